// The request, record and result types of the Journal port (journal.ts), kept apart so the
// port itself reads as one interface.
import type { AttributeCondition, RunOrder } from "../model/attribute-query.ts";
import type { RunQueueStart } from "./run-queue-types.ts";
import type {
  EffectIdentity,
  Encoded,
  HistoryEvent,
  HistoryEventBody,
  ParentClosePolicy,
  ResolutionEvent,
  ResolvedActivityOptions,
  RunStatus,
  SerializedError,
  TraceContext,
  WorkflowIdReusePolicy,
} from "../model/index.ts";
/** How a start behaves when a run with the id exists. */
export type StartConflictPolicy = "return" | "fail";

export interface StartRunRequest {
  readonly namespace: string;
  /** User-facing id: held by at most one open run per namespace; generated when absent. */
  readonly workflowId?: string;
  readonly workflowName: string;
  readonly versionHash: string;
  readonly input: Encoded;
  readonly attributes?: Readonly<Record<string, Encoded>>;
  readonly parentRunId?: string;
  readonly onConflict?: StartConflictPolicy;
  /**
   * Whether the id may start a new run after earlier runs with it (default `allowAfterClosed`);
   * when it may not, the start is a conflict (`onConflict` decides). See WorkflowIdReusePolicy.
   */
  readonly idReusePolicy?: WorkflowIdReusePolicy;
  /**
   * Eager start: create the run already leased to `owner` (who steps it at once, in-process),
   * instead of announcing it for any engine to claim. The run is ready as usual, so if the
   * owner dies before its first step, another engine claims it when the lease expires.
   * Ignored when the workflow id is taken (nothing is created).
   */
  readonly lease?: { readonly owner: string; readonly leaseMs: number };
  /**
   * The W3C trace context of the caller, stored with the run (and copied to its successors when
   * it continues as new) for instrumentation to parent the run's spans under. Stored verbatim.
   */
  readonly traceContext?: TraceContext;
  /** Queue the run: no engine runs it before `dequeueRuns` takes it from this queue. */
  readonly queue?: RunQueueStart;
  /**
   * Delayed start: the run is created now (durable, visible, cancellable) but no engine claims
   * it before this instant (epoch ms, by the journal clock). `lease` is ignored with a delay.
   */
  readonly startAt?: number;
  /** Delayed start: like {@link startAt}, as a delay from the journal clock's now. */
  readonly startDelayMs?: number;
}

export interface StartRunResult {
  readonly run: RunRecord;
  readonly created: boolean;
  /** Eager start (`lease` given and the run created): the new run as a claim held by `lease.owner`. */
  readonly claim?: RunClaim;
}

export interface RunRecord {
  readonly runId: string;
  readonly namespace: string;
  readonly workflowId: string;
  readonly workflowName: string;
  readonly versionHash: string;
  readonly status: RunStatus;
  readonly input: Encoded;
  readonly result?: Encoded;
  readonly error?: SerializedError;
  readonly attributes: Readonly<Record<string, Encoded>>;
  readonly parentRunId?: string;
  /** For a child run: the identity of the parent's `child_started` event (where its outcome is delivered). */
  readonly parentIdentity?: string;
  /** For a child run: what the parent's end does to it. */
  readonly parentClosePolicy?: ParentClosePolicy;
  /** Set on a run that ended by continue-as-new. */
  readonly continuedTo?: string;
  /** The trace context the run was started with (see {@link StartRunRequest.traceContext}). */
  readonly traceContext?: TraceContext;
  /** Number of history events. */
  readonly lastSeq: number;
  readonly fencingToken: number;
  readonly leaseOwner?: string;
  readonly leaseExpiresAt?: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly finishedAt?: number;
  /**
   * Delayed starts: when the run was asked to start (see {@link StartRunRequest.startAt}).
   * It has not started while {@link RunRecord.lastSeq} is 1 and the time is still ahead.
   */
  readonly startAt?: number;
}

export interface RunFilter {
  readonly namespace?: string;
  /** Only runs with this workflow id: every run that ever held it, the latest first. */
  readonly workflowId?: string;
  readonly workflowName?: string;
  /** Only children of this run (their chains' runs included). */
  readonly parentRunId?: string;
  readonly status?: RunStatus | readonly RunStatus[];
  /** Runs whose attributes contain all of these (jsonb containment). */
  readonly attributes?: Readonly<Record<string, Encoded>>;
  /** Runs whose search attributes match this typed query (see `attr`, `allOf`, `anyOf`). */
  readonly where?: AttributeCondition;
  /** Page order: start time (default, newest first) or an attribute's value; ties by start order. */
  readonly orderBy?: RunOrder;
  readonly limit?: number;
  /** Opaque cursor from a previous page (of the same `orderBy`). */
  readonly after?: string;
}

export interface RunPage {
  readonly runs: RunRecord[];
  readonly next?: string;
}

export interface ClaimRunsRequest {
  readonly owner: string;
  /** Only runs of this namespace; absent claims across namespaces. Engines always pass theirs. */
  readonly namespace?: string;
  /**
   * Only runs of one of these namespaces (an engine serving several, `createEngine({ namespaces })`);
   * when given, `namespace` is ignored. An empty list claims nothing.
   */
  readonly namespaces?: readonly string[];
  readonly limit: number;
  readonly leaseMs: number;
  /** Only runs of these workflows (the ones this engine has code for). */
  readonly workflowNames?: readonly string[];
  /**
   * Only runs whose (workflow name, version hash) is one of these: the exact code versions this
   * engine has. A `stuck_unknown_version` run taken this way is set back to `running` by the
   * claim. Absent: any version hash (the run's status is left as it is).
   */
  readonly workflowVersions?: readonly WorkflowVersionRef[];
  /**
   * Runs the claimer must not get: the ones it is stepping right now. Re-claiming a run whose
   * step is in flight would bump nothing useful and, once its lease expired, would fence out
   * the claimer's own step.
   */
  readonly exclude?: readonly string[];
}

/** Options of {@link Journal.releaseRun}. */
export interface ReleaseRunOptions {
  /**
   * Defer the run: claims skip it until the journal clock passes release time + this many ms.
   * Durations past the largest representable instant are clamped to it (never fires in practice).
   */
  readonly notBeforeMs?: number;
}

/** One version of one workflow: what content-addressed dispatch matches runs by. */
export interface WorkflowVersionRef {
  readonly workflowName: string;
  readonly versionHash: string;
}

/** See {@link Journal.markUnknownVersions}. */
export interface MarkUnknownVersionsRequest {
  /** Every workflow version the caller has code for (non-empty for anything to be marked). */
  readonly known: readonly WorkflowVersionRef[];
  /** How long a run must have been waiting before it counts as unserved. */
  readonly waitingForMs: number;
  readonly limit: number;
  /** Only runs of this namespace (the one the caller serves); absent: every namespace. */
  readonly namespace?: string;
}

/** See {@link Journal.listUnservedWorkflows}. */
export interface UnservedWorkflowsRequest {
  /** Workflow names the caller runs: their runs are never reported. */
  readonly registered: readonly string[];
  /** How long a run must have been waiting before it counts as unserved. */
  readonly waitingForMs: number;
  /** At most this many (namespace, workflow) groups. */
  readonly limit: number;
  /** Only runs of this namespace; absent: every namespace. */
  readonly namespace?: string;
}

/** Ready runs of one workflow that nobody took; see {@link Journal.listUnservedWorkflows}. */
export interface UnservedWorkflow {
  readonly namespace: string;
  readonly workflowName: string;
  readonly runs: number;
}

export interface RunLeaseRef {
  readonly runId: string;
  readonly owner: string;
  readonly fencingToken: number;
}

/** An inbox item: a resolution waiting to be delivered to the run's execution. */
export interface InboxItem {
  /** Monotonic per journal; inbox order is id order. */
  readonly id: number;
  readonly runId: string;
  readonly event: ResolutionEvent;
  readonly receivedAt: number;
}

export interface RunClaim {
  readonly lease: RunLeaseRef;
  readonly leaseExpiresAt: number;
  readonly run: RunRecord;
  /** Undelivered inbox items, in inbox order. */
  readonly inbox: InboxItem[];
  /** The journal's clock at the claim: the step's notion of "now". */
  readonly now: number;
  /**
   * The run row's version as of this claim (opaque; see {@link StepCommit.runVersion}).
   * Absent when the journal does not track versions (the in-memory journal).
   */
  readonly runVersion?: string;
  /**
   * The run's whole history, when the journal has it at hand without a read (a run it has just
   * started): the caller may skip `readHistory`.
   */
  readonly history?: readonly HistoryEvent[];
}

export interface NewTask {
  readonly identity: EffectIdentity;
  readonly activityName: string;
  readonly args: Encoded;
  readonly options: ResolvedActivityOptions;
  /**
   * Sticky fast path: create the task already claimed by the committing owner (`lease.owner`),
   * as `claimTasks` would have claimed it: attempt 1, a fresh attempt token, deadline = now +
   * startToCloseMs (or the heartbeat timeout, whichever is earlier) by the journal clock. The
   * claim comes back in `StepCommitResult.claimedTasks`. A task answered from a stored
   * idempotent result is not created, so it is not claimed either. With the step's
   * `attemptLeaseMs`, the attempt gets that engine lease too.
   */
  readonly claim?: true;
}

/** An attempt of this engine's own, finished inside a step commit (see {@link StepCommit.finishTasks}). */
export interface FinishedTask {
  readonly claim: TaskAttemptRef;
  readonly outcome: Extract<TaskOutcome, { kind: "completed" | "failed" }>;
}

export interface NewTimer {
  readonly identity: EffectIdentity;
  /**
   * Exactly one is set: relative to the journal clock at commit, or absolute epoch ms. A fire
   * time past 8.64e15 (the last instant a JavaScript Date holds) is clamped to it; a negative
   * delay fires at once; NaN is refused (`InvalidDurationError`, nothing written).
   */
  readonly delayMs?: number;
  readonly until?: number;
}

export interface StepCommit {
  readonly lease: RunLeaseRef;
  /** The run's lastSeq the step was computed against; events get lastSeq+1, lastSeq+2, ... */
  readonly lastSeq: number;
  /** Inbox items delivered in this step: deleted in the same transaction. */
  readonly delivered: readonly number[];
  readonly events: readonly HistoryEventBody[];
  readonly tasks: readonly NewTask[];
  readonly timers: readonly NewTimer[];
  /** Timers no longer needed (a signal arrived before its timeout). Unknown ids are ignored. */
  readonly cancelTimers: readonly EffectIdentity[];
  /**
   * Activity tasks no longer wanted (a cancelled saga's queued calls): the run's tasks with
   * these identities that wait for an attempt (never started, or waiting for a retry) are
   * deleted in the step's transaction. A running attempt is not interrupted: it finishes and
   * its outcome is handled as usual (a result is delivered, a retry stays scheduled). Unknown
   * identities are ignored.
   */
  readonly cancelTasks?: readonly EffectIdentity[];
  /** The run row after the step. A terminal status releases the lease. */
  readonly run: {
    readonly status: RunStatus;
    readonly result?: Encoded;
    readonly error?: SerializedError;
    readonly continuedTo?: string;
  };
  /** Extend the lease by this much (sticky execution); absent keeps the current expiry. */
  readonly leaseMs?: number;
  /** The engine's attempt lease of the tasks created claimed (see {@link ClaimTasksRequest.attemptLeaseMs}). */
  readonly attemptLeaseMs?: number;
  /** Child runs to create with this step (one per `child_started` event). */
  readonly children?: readonly NewChildRun[];
  /**
   * Sticky fast path: attempts of this run's tasks that the committing engine ran itself and
   * whose results the step delivered straight to the execution (the matching
   * `activity_completed` / `activity_failed` events are among `events`; nothing goes through
   * the inbox). Each is checked and closed exactly as `finishTask` does (current attempt,
   * token, deadline not passed; the task is done; a completed result with an idempotency key is
   * stored). One stale attempt, or one of another run, throws `StaleAttemptError` and the whole
   * step writes nothing: the caller then reports each attempt with `finishTask`.
   */
  readonly finishTasks?: readonly FinishedTask[];
  /**
   * The step was computed without reading the run's inbox (sticky fast path), or from just the
   * items in `delivered` (one that came in a `run_inbox` hint): throw `InboxNotEmptyError` and
   * write nothing when an item of `delivered` is no longer in the inbox (delivered already), or
   * an undelivered item older than the newest of `delivered` is (with nothing delivered: any
   * item), so that the caller steps the run through a claim, which delivers them in order.
   * Newer items stay in the inbox, and the run ready.
   */
  readonly requireEmptyInbox?: true;
  /**
   * The run row's version as the caller last saw it: {@link RunClaim.runVersion} or the previous
   * {@link StepCommitResult.runVersion}. When the row is still exactly that version (nothing
   * touched the run since: no delivery, no takeover, no renewal) the journal may commit the
   * step in a single statement. Stale or absent, it runs the full checked transaction: the
   * outcome, errors included, is the same either way.
   */
  readonly runVersion?: string;
  /**
   * History snapshots (`WorkflowOptions.snapshots`): when this step's events take the run's
   * history across a multiple of this, the journal also stores the history up to the step's
   * last event, packed in one row, in the step's transaction (replacing the older one). Journals
   * without snapshot storage ignore it.
   */
  readonly snapshotEvery?: number;
}

/** A child run created by its parent's step (see {@link Journal.commitStep}). */
export interface NewChildRun {
  readonly runId: string;
  readonly workflowId: string;
  readonly workflowName: string;
  readonly versionHash: string;
  readonly input: Encoded;
  /** Identity of the parent's `child_started` event. */
  readonly parentIdentity: string;
  readonly parentClosePolicy: ParentClosePolicy;
  /** The id's reuse policy (startRun's); absent: `allowAfterClosed`. */
  readonly idReusePolicy?: WorkflowIdReusePolicy;
  /** The child's trace context (see {@link StartRunRequest.traceContext}); absent: none. */
  readonly traceContext?: TraceContext;
}

export interface StepCommitResult {
  readonly lastSeq: number;
  readonly now: number;
  /** The tasks created claimed (`NewTask.claim`), in the order of `tasks`. Absent when none. */
  readonly claimedTasks?: readonly TaskClaim[];
  /** The run row's version after this step (see {@link StepCommit.runVersion}), when tracked. */
  readonly runVersion?: string;
  /** True when the run is ready for another step at once (items reached its inbox meanwhile). */
  readonly ready?: boolean;
}

export interface ClaimTasksRequest {
  readonly owner: string;
  readonly limit: number;
  /** Only tasks of these activities (the ones this process has code for). */
  readonly activityNames?: readonly string[];
  /**
   * The engine's attempt lease: each claimed attempt is also abandoned this long after its
   * claim unless its engine renews it (`heartbeatTasks` with `renew` entries), so the attempts
   * of an engine that died are retried after this lease rather than after start-to-close.
   * Absent: attempts are bounded by their timeouts only.
   */
  readonly attemptLeaseMs?: number;
}

export interface TaskAttemptRef {
  readonly taskId: string;
  readonly attempt: number;
  readonly attemptToken: string;
}

export interface TaskClaim extends TaskAttemptRef {
  readonly runId: string;
  readonly identity: EffectIdentity;
  readonly activityName: string;
  readonly args: Encoded;
  readonly options: ResolvedActivityOptions;
  /** Epoch ms by the journal clock after which this attempt is abandoned. */
  readonly deadline: number;
  /**
   * The details of the task's last accepted heartbeat that carried details, from any earlier
   * attempt (absent when there was none): where a retried attempt resumes its work.
   */
  readonly lastHeartbeatDetails?: Encoded;
}

/** One attempt's heartbeat in a batch (see `Journal.heartbeatTasks`). */
export interface TaskHeartbeat {
  readonly claim: TaskAttemptRef;
  /** Progress details (codec-encoded); absent keeps the details stored before. */
  readonly details?: Encoded;
  /**
   * The engine renews the attempt's lease only (its engine is alive); the activity did not
   * heartbeat, so the heartbeat deadline stays where the last heartbeat put it. Details are
   * ignored. Of two entries for the same attempt in one batch, a heartbeat wins.
   */
  readonly renew?: true;
}

/** Options of `Journal.heartbeatTasks`. */
export interface HeartbeatTasksOptions {
  /**
   * Renews each accepted attempt's engine lease to now + this (see
   * {@link ClaimTasksRequest.attemptLeaseMs}). Absent, the accepted attempts are bounded by
   * their timeouts only from then on: an engine either leases its attempts or it does not.
   */
  readonly attemptLeaseMs?: number;
}

/** What `Journal.heartbeatTasks` did with a batch. */
export interface HeartbeatTasksResult {
  /**
   * The listed attempts that are not current (timed out, re-claimed, finished): nothing was
   * written for them, and their engine must abandon them.
   */
  readonly refused: readonly TaskAttemptRef[];
  /**
   * Of the accepted attempts, those whose call was withdrawn: a step cancelled it while the
   * attempt ran (`StepCommit.cancelTasks`), or its run ended (cancelled, terminated, finished)
   * and the attempt was not detached. The attempt may still finish; its engine should abort
   * the activity's signal with a `CancelledError`. Absent: none.
   */
  readonly withdrawn?: readonly TaskAttemptRef[];
}

export type TaskOutcome =
  | { readonly kind: "completed"; readonly result: Encoded }
  | { readonly kind: "retry"; readonly error: SerializedError; readonly delayMs: number }
  | { readonly kind: "failed"; readonly error: SerializedError };

export interface SendSignalRequest {
  readonly runId: string;
  readonly name: string;
  readonly payload: Encoded;
  readonly deliveryId?: string;
}

/** What waits in a journal's queues, for metrics (see `Journal.queueStats`). */
export interface QueueStats {
  /** The journal's clock when it was read (epoch ms): the age of the oldest item is now − its time. */
  readonly now: number;
  /**
   * Activity tasks due for an attempt and not running one: new, waiting for a retry whose time
   * has come, or abandoned by an attempt whose deadline passed. A backlog for the engines.
   */
  readonly dueTasks: number;
  /** Since when (epoch ms) the longest-waiting of them has been due; absent when none is. */
  readonly oldestDueTaskAt?: number;
  /** Activity tasks with an attempt running now (deadline not passed). */
  readonly runningTasks: number;
  /** Runs ready for a step (never stepped, or with undelivered inbox items) that no live lease holds. */
  readonly readyRuns: number;
}

/**
 * What `Journal.deleteClosedRuns` deletes (retention, `continuum cleanup`). The unit is a run
 * tree: a root run (no parent) with its continue-as-new successors and every descendant run
 * (children, their successors, their children...). A tree is deleted whole or not at all, and
 * only when every run in it is closed (completed, failed, cancelled, continued) before
 * `closedBefore` and none of them has activity work still pending or running (detached tasks of
 * a finished run). So lineage stays whole: no run is left with a missing parent or successor,
 * and no run whose parent, successor or child is still open is ever deleted.
 */
export interface DeleteClosedRunsRequest {
  /** Epoch ms: only trees whose every run closed strictly before this instant. */
  readonly closedBefore: number;
  /** Only trees whose root run has this workflow name (children go with their root). */
  readonly workflowName?: string;
  /** Only trees in this namespace. */
  readonly namespace?: string;
  /**
   * At most this many runs per call (a batch); a tree is never split, so a single tree larger
   * than the limit is deleted alone. In a dry run: the size of the sample.
   */
  readonly limit: number;
  /**
   * Delete nothing: count every run (and row) that calls with the same request would delete
   * until none is left, and list a sample of `limit` of them, oldest close first.
   */
  readonly dryRun?: boolean;
}

/** A run that `deleteClosedRuns` deleted, or would delete. */
export interface ClosedRunSummary {
  readonly runId: string;
  /** The root of its tree (itself for a root run). */
  readonly rootRunId: string;
  readonly namespace: string;
  readonly workflowName: string;
  readonly workflowId: string;
  readonly status: RunStatus;
  readonly finishedAt: number;
}

/** Result of `Journal.deleteClosedRuns`. */
export interface DeleteClosedRunsResult {
  /** Runs deleted (dry run: that would be deleted, over every batch). */
  readonly runs: number;
  /** Run trees deleted (dry run: that would be). */
  readonly trees: number;
  /** History events deleted (dry run: that would be). */
  readonly events: number;
  /** Activity tasks (finished ones: an open task keeps its tree) deleted (dry run: that would be). */
  readonly tasks: number;
  /** Execute: every run deleted by this call. Dry run: the first `limit`, oldest close first. */
  readonly sample: readonly ClosedRunSummary[];
}
