import type { EffectIdentity, SerializedError } from "../model/index.ts";

// The engine events added with the catalogue (issue 12): what an operator or a tracing bridge
// needs beyond the first 25 kinds in engine-events.ts. Every field is set when the event fires;
// the catalogue (event-catalogue.ts) and guides/observability.md list them all.

/** A step committed and the run waits (it did not end): what this step added to its waits. */
export interface RunSuspendedEvent {
  readonly runId: string;
  readonly workflowName: string;
  readonly lastSeq: number;
  /** Effects this step started that the run now waits for (earlier ones may still be pending). */
  readonly issued: {
    readonly activities: number;
    readonly timers: number;
    readonly signals: number;
    readonly children: number;
  };
}

/** `patched(id)` took its new branch for the first time in a run (recorded, never on replay). */
export interface PatchedHitEvent {
  readonly runId: string;
  readonly identity: EffectIdentity;
  readonly patchId: string;
}

/** A step scheduled a saga compensation (`compensate()` / `compensateAll()`, or onCancel/onTimeout). */
export interface CompensationScheduledEvent {
  readonly runId: string;
  readonly identity: EffectIdentity;
  readonly activityName: string;
}
/** Fields every compensation-attempt event carries (the compensation is an activity task). */
export interface CompensationAttemptEventBase {
  readonly runId: string;
  readonly taskId: string;
  readonly identity: EffectIdentity;
  readonly activityName: string;
  readonly attempt: number;
}
/** An attempt of a compensation started in this engine's pool. */
export type CompensationStartedEvent = CompensationAttemptEventBase;
/** A compensation attempt returned. */
export interface CompensationCompletedEvent extends CompensationAttemptEventBase {
  readonly durationMs: number;
}
/** A compensation failed for good (non-retryable, or out of attempts). */
export interface CompensationFailedEvent extends CompensationAttemptEventBase {
  readonly error: SerializedError;
  readonly durationMs: number;
}

/** A child's outcome was delivered to its parent (`runId`); the child completed. */
export interface ChildCompletedEvent {
  readonly runId: string;
  readonly identity: EffectIdentity;
}
/** A child's outcome was delivered to its parent: it failed, was cancelled or could not start. */
export interface ChildFailedEvent {
  readonly runId: string;
  readonly identity: EffectIdentity;
  readonly error: SerializedError;
}

/** A step started waiting for a signal. */
export interface SignalAwaitedEvent {
  readonly runId: string;
  readonly identity: EffectIdentity;
  readonly name: string;
  readonly timeoutMs?: number;
}

/** A lease renewal round of this engine (cached runs and steps in flight). */
export interface LeaseRenewedEvent {
  readonly owner: string;
  /** Leases sent for renewal. */
  readonly runs: number;
  /** Of those, how many the journal reported lost (each also gets `lease.lost`). */
  readonly lost: number;
  readonly durationMs: number;
}
/** This engine gave a run's lease back without ending the run (not cached, drift, error, stop). */
export interface LeaseReleasedEvent {
  readonly runId: string;
  readonly fencingToken: number;
  /** Set when the release defers the run (drift or step-error backoff). */
  readonly notBeforeMs?: number;
}

/** `engine.start()` began the loops. */
export interface EngineStartedEvent {
  readonly owner: string;
  readonly namespace: string;
  readonly workflows: readonly string[];
  readonly activities: readonly string[];
}
/** A workflow version this engine runs; one per (name, hash), when the engine starts. */
export interface RegistryRegisteredEvent {
  readonly workflowName: string;
  readonly versionHash: string;
}
/** `engine.stop()` stopped claiming; in-flight work is finishing (graceful) or abandoned. */
export interface DrainStartedEvent {
  readonly owner: string;
  readonly graceful: boolean;
  readonly steps: number;
  readonly activities: number;
}
/** `engine.stop()` finished: every lease is given back. */
export interface DrainCompletedEvent {
  readonly owner: string;
  readonly durationMs: number;
  /** Activity attempts still running when the drain gave up on them (aborted). */
  readonly abandonedActivities: number;
  /** Of those, the attempts handed back to the journal as due now (another engine claims them at once). */
  readonly handedBackActivities: number;
  /** Run leases given back (runs this engine kept in memory), so another engine steps them at once. */
  readonly releasedRuns: number;
}

/** One poll of a queue (ready runs or due activity tasks). */
export interface DispatcherPolledEvent {
  readonly queue: "workflow" | "activity";
  /** Free slots the poll asked for. */
  readonly limit: number;
  /** How many it claimed (and started). */
  readonly claimed: number;
  readonly durationMs: number;
}
/** Every slot of a queue is busy: this engine claims no more until one frees (once per episode). */
export interface DispatcherSaturatedEvent {
  readonly queue: "workflow" | "activity";
  readonly concurrency: number;
}

/** This engine dequeued runs from a named run queue (they are now ready for any engine to claim). */
export interface QueueDequeuedEvent {
  readonly queue: string;
  readonly runIds: readonly string[];
}
/**
 * A run queue's limit held back runs that were due (once per episode per queue and reason, until
 * a dequeue is no longer throttled).
 */
export interface QueueThrottledEvent {
  readonly queue: string;
  readonly reason: "concurrency" | "per_engine_concurrency" | "rate_limit";
}

/**
 * A named queue's limit held back due attempts of activities routed to it (`defineActivity(...,
 * { queue })`): their runs wait for the queue, not for a failure. Once per episode per queue and
 * reason, until a claim from the queue is no longer throttled.
 */
export interface ActivityThrottledEvent {
  readonly queue: string;
  readonly reason: "concurrency" | "per_engine_concurrency" | "rate_limit";
}

/** An engine loop failed talking to the journal: sent once when failures start, not per poll. */
export interface JournalUnreachableEvent {
  readonly where: string;
  readonly error: unknown;
}
/** Every loop that failed has succeeded again. */
export interface JournalReconnectedEvent {
  /** How long the loops were failing. */
  readonly downMs: number;
}

/**
 * Ready runs of a workflow that this engine does not register have waited longer than
 * `unservedWorkflowAfterMs`: no engine in the namespace seems to run that workflow.
 */
export interface WorkflowUnservedEvent {
  readonly namespace: string;
  readonly workflowName: string;
  /** Runs of it waiting (up to the query's cap). */
  readonly runs: number;
  readonly waitingForMs: number;
}

/**
 * The partition keeper dropped monthly history partitions no run holds any more (retention or
 * `continuum cleanup` deleted their runs; see `EngineOptions.partitions`).
 */
export interface PartitionsDroppedEvent {
  /** The dropped partitions' names (`events_2026_01`, ...). */
  readonly partitions: readonly string[];
  /** Their size on disk before the drop, summed. */
  readonly bytes: number;
  readonly durationMs: number;
}

/** The retention sweep deleted closed run trees of a workflow (see `EngineOptions.retention`). */
export interface RetentionDeletedEvent {
  readonly namespace: string;
  readonly workflowName: string;
  /** Runs deleted in this sweep round (children and successors of its trees included). */
  readonly runs: number;
  readonly events: number;
  /** The cutoff: runs closed before this instant (epoch ms, journal clock). */
  readonly closedBefore: number;
  readonly durationMs: number;
}
