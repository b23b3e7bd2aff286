import type { HistoryEvent } from "../model/index.ts";
import type { Notifier } from "./notifier.ts";
import type { JournalInspector } from "./journal-inspector.ts";
import type { JournalAdmin } from "./journal-admin.ts";
import type { CancelRequestOptions } from "./cancel-request.ts";
import type { JournalTasks } from "./journal-tasks.ts";
import type {
  ClaimRunsRequest,
  InboxItem,
  MarkUnknownVersionsRequest,
  UnservedWorkflow,
  UnservedWorkflowsRequest,
  ReleaseRunOptions,
  RunClaim,
  RunFilter,
  RunLeaseRef,
  RunPage,
  RunRecord,
  SendSignalRequest,
  StartRunRequest,
  StartRunResult,
  StepCommit,
  StepCommitResult,
  QueueStats,
  DeleteClosedRunsRequest,
  DeleteClosedRunsResult,
} from "./journal-types.ts";
import type {
  ClaimQueuedTasksRequest,
  DequeueRunsRequest,
  DequeuedRuns,
  QueuedTaskClaims,
  RunQueueConfig,
  RunQueueInfo,
} from "./run-queue-types.ts";
import type {
  FireDueSchedulesRequest,
  FireScheduleRequest,
  ScheduleFireResult,
  ScheduleRecord,
  UpsertScheduleRequest,
  UpsertScheduleResult,
} from "./schedule-types.ts";

export type * from "./journal-types.ts";
export type * from "./schedule-types.ts";
export type * from "./journal-inspector.ts";
export type * from "./journal-admin.ts";
export type * from "./run-queue-types.ts";
export type * from "./journal-tasks.ts";
export { cancelRequestedEvent, type CancelRequestOptions } from "./cancel-request.ts";

/**
 * The Journal port: everything the engine, the client and the test kit need from storage.
 * Two adapters implement it and pass one conformance suite (`runJournalConformance` in
 * `@continuum/core/testing/conformance`): `MemoryJournal` and `SqlJournal` (Kysely on
 * PostgreSQL or PGlite).
 *
 * Rules every adapter keeps:
 * - Time: every timestamp and every lease/timer deadline comes from the journal's own clock
 *   (`now()`): the database clock for SQL, an injected Clock for memory.
 * - Fencing: every write on behalf of a run's execution (`commitStep`, `renewRunLeases`,
 *   `releaseRun`) is a compare-and-set on the run's fencing token in the same transaction as
 *   its effects; a mismatch throws `LeaseLostError` and changes nothing.
 * - Atomicity: each method is one transaction. Nothing is half-written.
 * - History: per run, seq starts at 1 (run_started) and has no gaps or duplicates.
 * - Payloads (`Encoded`) are stored and returned verbatim; adapters never decode them.
 */
export interface Journal extends JournalTasks {
  /** The journal's clock, in epoch ms. */
  now(): Promise<number>;

  /** Wake-up hints (ids only) published when work appears. Polling stays the source of truth. */
  readonly notifier: Notifier;

  // --- runs -----------------------------------------------------------------------------

  /**
   * Creates a run, its `run_started` event (seq 1), and makes it ready for its first step.
   * At most one open run holds a (namespace, workflowId) at a time. Whether the id may start a
   * new run after earlier ones is `idReusePolicy` (decideWorkflowIdReuse on the latest run with
   * the id); when it may not, returns that latest run with `created: false` and writes nothing
   * (or, with `onConflict: "fail"`, throws RunAlreadyExistsError). Two concurrent starts with
   * the same id never both create a run the policy forbids.
   *
   * Delayed start (`startAt` / `startDelayMs`): the run and its `run_started` event are created
   * now, but while its start time is ahead the run is not ready (claims never see it, so a
   * backlog of delayed starts costs the claim query nothing); `fireDueTimers` makes it ready
   * once the time has come (a delivery to its inbox makes it ready too, but it is still not
   * claimed before its start time). `nextDueAt` reports the earliest pending start. A cancel
   * request before it started ends it at once (see requestCancel).
   */
  startRun(request: StartRunRequest): Promise<StartRunResult>;

  getRun(runId: string): Promise<RunRecord | undefined>;

  /**
   * Latest run with this workflow id (the end of its latest chain, following continue-as-new).
   * Earlier runs with the id: `listRuns({ workflowId })`.
   */
  getRunByWorkflowId(namespace: string, workflowId: string): Promise<RunRecord | undefined>;

  listRuns(filter: RunFilter): Promise<RunPage>;

  /** History events with seq > afterSeq (default 0), in seq order. */
  readHistory(runId: string, afterSeq?: number): Promise<HistoryEvent[]>;

  // --- workflow steps ---------------------------------------------------------------------

  /**
   * Leases up to `limit` ready runs for `owner`. A run is ready when it is not terminal and has
   * undelivered inbox items or has never been stepped. A run qualifies when its lease is free,
   * expired, or already held by `owner`; taking it from nobody or from an expired holder bumps
   * the fencing token, keeping one's own lease does not. Returns each run with its inbox in
   * inbox order. Never returns a run whose live lease is held by another owner, a run listed in
   * `exclude`, or a run deferred (by `releaseRun`'s `notBeforeMs`) to a time still in the
   * future by the journal clock.
   */
  claimRuns(request: ClaimRunsRequest): Promise<RunClaim[]>;

  /**
   * Commits one step atomically: appends `events` (seq must continue from `lastSeq`), deletes
   * the delivered inbox items, creates tasks and timers, cancels timers, updates the run, and
   * (when the run becomes terminal) releases its lease. CAS on the fencing token: throws
   * `LeaseLostError` when it does not match, and writes nothing; a `lastSeq` that is not the
   * run's throws `SequenceConflictError`, and writes nothing.
   *
   * Ending a run drops its tasks still waiting for an attempt, except those created by this
   * very step: the code issued them and ended without awaiting them (fire-and-forget), so they
   * are kept as detached tasks. A detached task is claimed, retried and finished like any other;
   * its result goes nowhere (the run is finished). That holds for every ending, cancellation
   * included: work the cancellation found queued is dropped, work the code issued while
   * handling it is not.
   *
   * Continue-as-new (`run.status` "continued" with `continuedTo`) also creates the successor
   * run in the same transaction: run id `continuedTo`, the same namespace, workflow id (the
   * chain keeps its id; `startRun` and `getRunByWorkflowId` then find the successor),
   * workflow name, version hash, attributes and parent, input from the `run_continued` event,
   * ready for its first step. Signals in the old run's inbox that the step did not deliver move
   * to the successor's inbox in the same transaction (in their order), so none is lost in the
   * handover; other undelivered items (timer firings, activity results) are dropped with the run.
   *
   * Child workflows (`children`): each is created in the same transaction, in its parent's
   * namespace, linked by `parentRunId` / `parentIdentity`, ready for its first step. A child
   * whose workflow id is already taken is not created: `child_failed` (RunAlreadyExistsError)
   * goes to the parent's inbox instead. When a run with a parent link ends (completed, failed,
   * cancelled; not continued, whose successor keeps the link), `child_completed` /
   * `child_failed` goes to the parent's inbox in the same transaction. When a run ends, its
   * children still running with parent-close policy "cancel" get `cancel_requested`.
   */
  commitStep(commit: StepCommit): Promise<StepCommitResult>;

  /**
   * Marks runs that the caller cannot serve as `stuck_unknown_version`, and returns them as
   * marked. A run is marked when all of these hold: its status is `running`; it is ready (it has
   * undelivered inbox items or was never stepped) and has been waiting for at least
   * `waitingForMs` (since its oldest undelivered inbox item was received, or since its last
   * update when it has none); nobody holds a live lease on it; its workflow name is among
   * `known`'s names; and its (workflow name, version hash) pair is not in `known`. At most
   * `limit` runs, longest waiting first. Nothing else about the run changes: it stays ready, so a
   * later `claimRuns` by an engine that lists its pair in `workflowVersions` takes it and sets
   * it `running` again.
   */
  markUnknownVersions(request: MarkUnknownVersionsRequest): Promise<RunRecord[]>;

  /**
   * Read-only: counts, per (namespace, workflow name), the runs whose workflow is not among
   * `registered` and that nobody serves: status `running`, ready (undelivered inbox items, or
   * never stepped), not deferred, no live lease, waiting for at least `waitingForMs` (measured
   * as in {@link markUnknownVersions}). Sorted by namespace then name, at most `limit` groups.
   * Engines call it now and then to warn that no engine registers a workflow.
   */
  listUnservedWorkflows(request: UnservedWorkflowsRequest): Promise<UnservedWorkflow[]>;

  /** Extends the leases `owner` holds; returns the ids of runs whose lease it had lost. */
  renewRunLeases(owner: string, leases: readonly RunLeaseRef[], leaseMs: number): Promise<string[]>;

  /**
   * Gives a run back (eviction, shutdown, a step that failed). Fenced; a lost lease is not an
   * error here. With `notBeforeMs`, no engine claims the run again before that many ms have
   * passed by the journal clock (drift and step-error backoff), and no `runReady` hint is
   * published; without it, any earlier deferral is lifted and a ready run is announced.
   */
  releaseRun(lease: RunLeaseRef, options?: ReleaseRunOptions): Promise<void>;

  // --- run queues -----------------------------------------------------------------------

  /**
   * Creates or updates named run queues (their limits; the last writer wins). Idempotent: a
   * queue whose stored limits are already these is not written. Clients call it before the first
   * start into a queue, engines at boot for the queues they serve.
   */
  defineQueues(queues: readonly RunQueueConfig[]): Promise<void>;

  /**
   * Dequeues runs from each listed queue, up to `limit` per queue and within its limits: a
   * dequeued run occupies a slot of the queue from now until it ends, so `concurrency` bounds the
   * runs dequeued and not ended across every engine, `perEngineConcurrency` those dequeued by
   * `owner`, and `rateLimit` the runs dequeued in any window of `periodMs`. Order: priority
   * (lower first), then enqueue order; debounced runs whose delay has not passed wait. A dequeued
   * run becomes ready like a new run (a `runReady` hint is published). Concurrent callers never
   * together exceed a limit (SQL: the queue row is locked while dequeuing; a queue another caller
   * is dequeuing right now is skipped this round). Unknown queue names are ignored.
   */
  dequeueRuns(request: DequeueRunsRequest): Promise<DequeuedRuns[]>;

  /** Every defined queue with its limits, backlog and slots in use, sorted by name. Read-only. */
  listQueues(): Promise<RunQueueInfo[]>;

  /**
   * Claims due activity tasks routed to the listed queues (`defineActivity(..., { queue })`), at
   * most `limit` in all and within each queue's limits: a running attempt (claimed, deadline not
   * passed) holds a slot, so `concurrency` bounds the attempts running across every engine,
   * `perEngineConcurrency` those of `owner`, and `rateLimit` the attempts started in any window of
   * `periodMs`. A task held back is not touched (its attempt count stays). Safe to call
   * concurrently (SQL: the queue row is locked while claiming; a queue another caller is claiming
   * from right now is skipped this round). `claimTasks` never claims these tasks.
   */
  claimQueuedTasks(request: ClaimQueuedTasksRequest): Promise<QueuedTaskClaims[]>;

  // --- timers, signals, cancellation ------------------------------------------------------

  /**
   * Moves up to `limit` due timers into their runs' inboxes as `timer_fired`, then (within the
   * same limit) makes delayed starts whose start time has come ready for their first step.
   * Returns how many timers fired and runs became ready.
   */
  fireDueTimers(limit: number): Promise<number>;

  /**
   * Puts a signal in the run's inbox. With a `deliveryId`, a repeated delivery is stored once
   * (returns `accepted: false`). Throws `RunNotFoundError` / `RunFinishedError`.
   */
  sendSignal(request: SendSignalRequest): Promise<{ accepted: boolean }>;

  /**
   * One undelivered item of a run's inbox, by its id; undefined when the run has no such item
   * (delivered already, dropped with a finished run, or moved to a successor run). This is how
   * the engine holding a run reads the signal a `run_inbox` hint announced: hints carry ids
   * only, and the item is read with the journal's own privileges. A SQL journal answers an item
   * that this very journal object sent a moment ago from memory, without a statement.
   */
  readInboxItem(runId: string, inboxId: number): Promise<InboxItem | undefined>;

  /**
   * Puts `cancel_requested` in the run's inbox. Throws `RunNotFoundError` / `RunFinishedError`.
   * A delayed start that has not started (never stepped) and that no engine holds is ended at
   * once instead, as a forced cancel ends a run: none of its code ever runs.
   */
  requestCancel(runId: string, reason?: string, options?: CancelRequestOptions): Promise<void>;

  /**
   * Optional: the same journal, joined to a transaction the caller opened on the same database
   * (for SQL journals, a Kysely `Transaction`), so that a run starts, or a signal is sent,
   * atomically with the caller's own writes: both commit or neither does, and wake-up hints are
   * sent only at commit. Journals without transactions leave it undefined.
   */
  bindTransaction?(transaction: object): Journal;

  /**
   * The read model over this journal (runs page, run detail, history pages, tasks, timers,
   * inbox, health): read-only, see JournalInspector. Both built-in adapters have one; a wrapper
   * of a journal should pass its inspector through. Apps use `createInspector(journal)`.
   */
  readonly inspector?: JournalInspector;

  /**
   * The operator port over this journal (audit log, retry from a failure, fenced repairs): see
   * JournalAdmin. Both built-in adapters have one; a wrapper should pass it through. Apps use
   * `createOperator({ journal, actor })`.
   */
  readonly admin?: JournalAdmin;

  // --- schedules -------------------------------------------------------------------------

  /**
   * Creates or updates a schedule (`mode`: `upsert` by default; `create` throws
   * ScheduleAlreadyExistsError on a taken name, `update` ScheduleNotFoundError on a missing one).
   * Idempotent: a definition whose `specHash` is unchanged writes nothing. A new or changed
   * definition's next fire time is the first after now by the journal clock (fire times
   * pending under the old definition are dropped). `paused` applies on creation, on a change
   * of definition and in `update` mode; otherwise a schedule keeps its paused state (an
   * operator's pause survives engine restarts).
   */
  upsertSchedule(request: UpsertScheduleRequest): Promise<UpsertScheduleResult>;

  getSchedule(namespace: string, name: string): Promise<ScheduleRecord | undefined>;

  /** Schedules by namespace then name; absent namespace: every namespace. */
  listSchedules(namespace?: string): Promise<ScheduleRecord[]>;

  /**
   * Pauses or resumes a schedule; throws ScheduleNotFoundError. Resuming computes the next fire
   * time anew from now: fire times that passed while paused are not caught up.
   */
  setSchedulePaused(namespace: string, name: string, paused: boolean): Promise<ScheduleRecord>;

  /** Deletes a schedule (its runs are left alone); false when there was none. */
  deleteSchedule(namespace: string, name: string): Promise<boolean>;

  /**
   * Fires due schedules: up to `limit` unpaused schedules whose next fire time has come by the
   * journal clock (or whose buffered fire's previous run has ended), each in one transaction
   * that holds its row (SQL: FOR UPDATE SKIP LOCKED, so engines split the due schedules and
   * none waits), starts its fires' runs (workflow id `<name>@<fire time ISO>`, reuse policy
   * `reject`: a fire time never has two runs) and advances its next fire time. Fire times
   * older than the catch-up window are skipped as `missed`; the overlap policy decides the rest
   * against the schedule's previous run (see fireDue in schedule-firing.ts).
   */
  fireDueSchedules(request: FireDueSchedulesRequest): Promise<ScheduleFireResult>;

  /**
   * Fires one schedule on demand, paused or not: `trigger` once at the journal's now (overlap
   * policy applies), `backfill` every fire time in a range (see fireBackfill). Throws
   * ScheduleNotFoundError. The next fire time does not move.
   */
  fireSchedule(request: FireScheduleRequest): Promise<ScheduleFireResult>;

  /**
   * Earliest time at which a timer fires, a task becomes due, a delayed start may start or an
   * unpaused schedule fires, if any (test kit time-skipping, poll pacing).
   */
  nextDueAt(): Promise<number | undefined>;

  /**
   * How much work waits, journal-wide (every namespace: activity tasks are not namespaced): due
   * activity tasks and the oldest one's due time, running attempts, and ready runs nobody holds.
   * Read-only and lock-free (SQL: one statement of counts over partial indexes), for metrics
   * gauges that call it every few seconds.
   */
  queueStats(): Promise<QueueStats>;

  /**
   * Retention: deletes closed run trees (see {@link DeleteClosedRunsRequest}: a root run, its
   * successors and all its descendants, whole or not at all) whose every run closed before
   * `closedBefore`, at most about `limit` runs per call, oldest close first, with all their rows
   * (history, tasks, timers, inbox, delivery ids, snapshots). Never deletes an open run, a run
   * whose parent or successor is open, or a run with activity work still pending. Idempotency
   * results stored under an activity's key are kept: they outlive runs by design. With `dryRun`,
   * deletes nothing and counts what repeated calls would delete. SQL: the batch's runs are
   * locked FOR UPDATE and re-checked before the delete, in one transaction.
   */
  deleteClosedRuns(request: DeleteClosedRunsRequest): Promise<DeleteClosedRunsResult>;

  /**
   * Closes the notifier and whatever connection the journal owns. The SQL journal first lets
   * every call already in flight finish (so a pool or a PGlite closed right after never cuts a
   * transaction short; at most 5 s, except an embedded journal, which waits for every call
   * before it closes its own PGlite) and refuses later calls with JournalClosedError
   * (CTM_JOURNAL_CLOSED).
   * Idempotent: a second call returns the first one's promise.
   */
  close(): Promise<void>;
}
