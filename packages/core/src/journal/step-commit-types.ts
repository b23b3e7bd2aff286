// What a step writes in one transaction (Journal.commitStep): events, tasks, timers, children.
import type {
  EffectIdentity,
  Encoded,
  HistoryEventBody,
  ParentClosePolicy,
  ResolvedActivityOptions,
  RunStatus,
  SerializedError,
  TraceContext,
  WorkflowIdReusePolicy,
} from "../model/index.ts";
import type { RunLeaseRef } from "./run-claim-types.ts";
import type { TaskAttemptRef, TaskClaim, TaskOutcome } from "./task-attempt-types.ts";

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
  /**
   * With `claim`: the committing engine runs this first attempt in its own process and the
   * journal writes no task row for it (its `activity_scheduled` event is the durable record).
   * The claim comes back with `inProcess: true`, a fresh task id and token, and a deadline of
   * now + startToCloseMs by the journal clock; the run lists its call
   * ({@link RunClaim.inProcessCalls}). Its outcome goes into a later step of the run
   * ({@link StepCommit.finishTasks}, by its in-process reference: the call must still be
   * listed); anything else it needs (a retry, a heartbeat, a timeout, a hand-back) first gives
   * it a row with {@link Journal.persistAttempts}. An engine that takes the run over from a dead
   * owner re-issues such calls ({@link Journal.reissueAttempts}).
   * Ignored (a claimed row is written) for a task routed to a queue, with an idempotency key or
   * a heartbeat timeout, or issued by a step that ends its run. See {@link runsInProcess}.
   */
  readonly inProcess?: true;
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
