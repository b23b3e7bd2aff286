import type { EventEmitter } from "eventemitter3";
import type { EffectIdentity, Encoded, SerializedError, TraceContext } from "../model/index.ts";
import type {
  ChildCompletedEvent,
  ChildFailedEvent,
  CompensationCompletedEvent,
  CompensationFailedEvent,
  CompensationScheduledEvent,
  CompensationStartedEvent,
  DispatcherPolledEvent,
  DispatcherSaturatedEvent,
  DrainCompletedEvent,
  DrainStartedEvent,
  EngineStartedEvent,
  JournalReconnectedEvent,
  JournalUnreachableEvent,
  LeaseReleasedEvent,
  LeaseRenewedEvent,
  PatchedHitEvent,
  QueueDequeuedEvent,
  ActivityThrottledEvent,
  QueueThrottledEvent,
  RegistryRegisteredEvent,
  RunSuspendedEvent,
  SignalAwaitedEvent,
  WorkflowUnservedEvent,
  PartitionsDroppedEvent,
  RetentionDeletedEvent,
} from "./lifecycle-events.ts";

/** Fields every run-scoped event carries. */
export interface RunEventBase {
  readonly runId: string;
  readonly workflowName: string;
}

/** A run took its first step. */
export interface RunStartedEvent extends RunEventBase {
  readonly workflowId: string;
}
/** A run returned; its result is in the run record. */
export interface RunCompletedEvent extends RunEventBase {
  readonly lastSeq: number;
  /** From the run's creation to this commit (journal clock), when the engine knows both. */
  readonly durationMs?: number;
}
/** A run threw; `error` is what the workflow threw, serialized. */
export interface RunFailedEvent extends RunEventBase {
  readonly error: SerializedError;
  /** From the run's creation to this commit (journal clock), when the engine knows both. */
  readonly durationMs?: number;
}
/**
 * A run waits for code this engine knows by name but not by version hash, and no engine with
 * that hash took it in time: it is now `stuck_unknown_version`. Nothing was replayed and nothing
 * failed; an engine registering that version picks it up again.
 */
export interface RunStuckUnknownVersionEvent extends RunEventBase {
  readonly versionHash: string;
  /** The hashes of this workflow the marking engine has. */
  readonly knownHashes: readonly string[];
}
/** A run ended by cancellation. */
export interface RunCancelledEvent extends RunEventBase {
  readonly reason?: string;
  /** From the run's creation to this commit (journal clock), when the engine knows both. */
  readonly durationMs?: number;
}

/** A run continued as new: it ended, and `nextRunId` (same workflow id) starts from `input`. */
export interface RunContinuedEvent extends RunEventBase {
  readonly nextRunId: string;
  /** Signals the run received but never took, handed to the successor. */
  readonly carriedSignals: number;
}
/** A step started a child workflow (its run was created with the step). */
export interface ChildStartedEvent {
  /** The parent run. */
  readonly runId: string;
  /** Identity of the parent's child_started event. */
  readonly identity: EffectIdentity;
  readonly childRunId: string;
  readonly childWorkflowId: string;
  readonly childWorkflowName: string;
}

/** A step committed an activity task. */
export interface ActivityScheduledEvent {
  readonly runId: string;
  readonly identity: EffectIdentity;
  readonly activityName: string;
}
/** Fields every activity-attempt event carries. */
export interface ActivityAttemptEventBase {
  readonly runId: string;
  readonly taskId: string;
  readonly identity: EffectIdentity;
  readonly activityName: string;
  readonly attempt: number;
}
/** An attempt of an activity started in this engine's pool. */
export type ActivityStartedEvent = ActivityAttemptEventBase;
/** An attempt returned and its result was journaled. */
export interface ActivityCompletedEvent extends ActivityAttemptEventBase {
  readonly durationMs: number;
}
/** An attempt threw and the task failed for good (non-retryable, or out of attempts). */
export interface ActivityFailedEvent extends ActivityAttemptEventBase {
  readonly error: SerializedError;
  readonly durationMs: number;
}
/** An attempt threw and the task will be retried after `delayMs`. */
export interface ActivityRetriedEvent extends ActivityAttemptEventBase {
  readonly error: SerializedError;
  readonly delayMs: number;
}
/** The attempt ran past its timeout: the engine stopped waiting and aborted its signal. */
export interface ActivityTimedOutEvent extends ActivityAttemptEventBase {
  readonly timeoutMs: number;
  readonly kind: "start_to_close" | "heartbeat";
}
/** A late outcome was refused by the journal (the attempt was abandoned or re-claimed). */
export type ActivityStaleEvent = ActivityAttemptEventBase;

/** A step committed a timer (a sleep, or a signal wait's timeout). */
export interface TimerSetEvent {
  readonly runId: string;
  readonly identity: EffectIdentity;
  readonly delayMs?: number;
  readonly until?: number;
}
/** A fired timer was delivered to its run. */
export interface TimerFiredEvent {
  readonly runId: string;
  readonly identity: EffectIdentity;
}
/** A signal was delivered to its run. */
export interface SignalReceivedEvent {
  readonly runId: string;
  readonly name: string;
  readonly deliveryId?: string;
}

/** This engine took a run's lease (it did not hold it before this claim). */
export interface LeaseAcquiredEvent {
  readonly runId: string;
  readonly fencingToken: number;
  readonly leaseExpiresAt: number;
}
/** Another engine owns the run now; this engine dropped its execution. */
export interface LeaseLostEvent {
  readonly runId: string;
  readonly fencingToken: number;
  /** Where the loss was noticed. */
  readonly during: "commit" | "renew";
}

/** An execution is being rebuilt from its history. */
export interface ReplayStartedEvent {
  readonly runId: string;
  readonly workflowName: string;
  /** Events replayed to rebuild the execution. */
  readonly historyLength: number;
  /** Why the execution was not in the sticky cache. */
  readonly reason: "not_cached" | "stale_cache";
}

/** An execution was rebuilt from its history (it follows its `replay.started`). */
export interface ReplayCompletedEvent {
  readonly runId: string;
  readonly workflowName: string;
  /** Events replayed. */
  readonly historyLength: number;
  /** Time spent rebuilding the execution (replaying its history), in ms. */
  readonly durationMs: number;
}
/** The code no longer matches the run's history; the run was left untouched. */
export interface ReplayDriftEvent {
  readonly runId: string;
  readonly workflowName: string;
  readonly error: SerializedError;
}

/** One step of a run was committed. */
export interface StepCommittedEvent {
  readonly runId: string;
  readonly workflowName: string;
  readonly lastSeq: number;
  readonly eventCount: number;
  readonly deliveredCount: number;
  /** Whether the step ran on a cached (sticky) execution. */
  readonly cached: boolean;
  readonly durationMs: number;
  /** The run's W3C trace context (see `Instrumentation`), when it was started with one. */
  readonly traceContext?: TraceContext;
}

/** A `log()` call made by live workflow code (never repeated by replay). */
export interface WorkflowLogEvent {
  readonly runId: string;
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
  readonly data?: Encoded;
}

/** A sticky execution left the cache; its lease was given back. */
export interface CacheEvictedEvent {
  readonly runId: string;
}

/** Something failed outside any run's control (journal unreachable, a bug). The engine keeps going. */
export interface EngineErrorEvent {
  readonly where:
    | "workflow_loop"
    | "activity_loop"
    | "timer_loop"
    | "lease_keeper"
    | "step"
    | "release"
    | "listener"
    | "version_sweep"
    | "unserved_sweep"
    | "queue_loop"
    | "retention_sweep"
    | "partition_keeper";
  readonly error: unknown;
  readonly runId?: string;
}

/**
 * Every telemetry event the engine emits, by name: a closed set, listed with its fields and
 * when each fires in guides/observability.md (names: {@link engineEventNames}). Listeners run
 * synchronously inside `emit`; the engine never awaits them, and a listener that throws or
 * whose returned promise rejects is reported as `engine.error` (`where: "listener"`) instead
 * of breaking the engine.
 *
 * @example
 * ```ts
 * engine.events.on("activity.retried", (e) => console.log(`${e.activityName} retry in ${e.delayMs} ms`));
 * ```
 */
export interface EngineEvents {
  "run.started": [RunStartedEvent];
  "run.completed": [RunCompletedEvent];
  "run.failed": [RunFailedEvent];
  "run.cancelled": [RunCancelledEvent];
  "run.stuck_unknown_version": [RunStuckUnknownVersionEvent];
  "run.continued": [RunContinuedEvent];
  "child.started": [ChildStartedEvent];
  "activity.scheduled": [ActivityScheduledEvent];
  "activity.started": [ActivityStartedEvent];
  "activity.completed": [ActivityCompletedEvent];
  "activity.failed": [ActivityFailedEvent];
  "activity.retried": [ActivityRetriedEvent];
  "activity.timed_out": [ActivityTimedOutEvent];
  "activity.stale": [ActivityStaleEvent];
  "timer.set": [TimerSetEvent];
  "timer.fired": [TimerFiredEvent];
  "signal.received": [SignalReceivedEvent];
  "lease.acquired": [LeaseAcquiredEvent];
  "lease.lost": [LeaseLostEvent];
  "replay.started": [ReplayStartedEvent];
  "replay.completed": [ReplayCompletedEvent];
  "replay.drift": [ReplayDriftEvent];
  "step.committed": [StepCommittedEvent];
  "cache.evicted": [CacheEvictedEvent];
  "workflow.log": [WorkflowLogEvent];
  "engine.error": [EngineErrorEvent];
  "run.suspended": [RunSuspendedEvent];
  "patched.hit": [PatchedHitEvent];
  "compensation.scheduled": [CompensationScheduledEvent];
  "compensation.started": [CompensationStartedEvent];
  "compensation.completed": [CompensationCompletedEvent];
  "compensation.failed": [CompensationFailedEvent];
  "child.completed": [ChildCompletedEvent];
  "child.failed": [ChildFailedEvent];
  "signal.awaited": [SignalAwaitedEvent];
  "lease.renewed": [LeaseRenewedEvent];
  "lease.released": [LeaseReleasedEvent];
  "engine.started": [EngineStartedEvent];
  "registry.registered": [RegistryRegisteredEvent];
  "drain.started": [DrainStartedEvent];
  "drain.completed": [DrainCompletedEvent];
  "dispatcher.polled": [DispatcherPolledEvent];
  "dispatcher.saturated": [DispatcherSaturatedEvent];
  "journal.unreachable": [JournalUnreachableEvent];
  "journal.reconnected": [JournalReconnectedEvent];
  "workflow.unserved": [WorkflowUnservedEvent];
  "queue.dequeued": [QueueDequeuedEvent];
  "queue.throttled": [QueueThrottledEvent];
  "activity.throttled": [ActivityThrottledEvent];
  "retention.deleted": [RetentionDeletedEvent];
  "partitions.dropped": [PartitionsDroppedEvent];
  "schedule.fired": [ScheduleFiredEvent];
  "schedule.skipped": [ScheduleSkippedEvent];
}

/** A schedule's fire time started its run (this engine held the schedule for that fire). */
export interface ScheduleFiredEvent {
  readonly namespace: string;
  readonly schedule: string;
  /** The nominal fire time (epoch ms). */
  readonly fireAt: number;
  readonly workflowId: string;
  readonly runId: string;
  /** When the run may start: fireAt plus the fire's jitter. */
  readonly startAt: number;
  /** How late the fire was handled, by the journal clock (poll delay, downtime within the catch-up window). */
  readonly lateMs: number;
}

/** A schedule's fire time started no run. */
export interface ScheduleSkippedEvent {
  readonly namespace: string;
  readonly schedule: string;
  readonly fireAt: number;
  /** `missed`: older than the catch-up window; `overlap`: the overlap policy; `duplicate`: the fire had its run. */
  readonly reason: "missed" | "overlap" | "duplicate";
}

/** The engine's typed event emitter. */
export type EngineEventEmitter = EventEmitter<EngineEvents>;

/** Name of one engine event. */
export type EngineEventName = keyof EngineEvents;

/**
 * Emits without letting a listener break the caller: a throwing listener is reported as
 * `engine.error`. Synchronous, so emitting never adds an `await` to the step path.
 */
export function emitEvent<K extends EngineEventName>(
  events: EngineEventEmitter,
  name: K,
  ...args: EngineEvents[K]
): void {
  try {
    (events.emit as (event: K, ...rest: EngineEvents[K]) => boolean)(name, ...args);
  } catch (error) {
    if (name === "engine.error") return;
    try {
      events.emit("engine.error", { where: "listener", error });
    } catch {
      // a throwing engine.error listener has nowhere left to report to
    }
  }
}
