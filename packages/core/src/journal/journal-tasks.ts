// The activity-task side of the Journal port (journal.ts): claiming attempts, heartbeats,
// outcomes, and the rows of attempts that ran in-process.
import type { Encoded } from "../model/index.ts";
import type {
  ClaimTasksRequest,
  HeartbeatTasksOptions,
  HeartbeatTasksResult,
  PersistAttemptsRequest,
  ReissueAttemptsRequest,
  TaskAttemptRef,
  TaskClaim,
  TaskHeartbeat,
  TaskOutcome,
} from "./task-attempt-types.ts";

/** The activity tasks of the {@link Journal} port: attempts, heartbeats and outcomes. */
export interface JournalTasks {
  /**
   * Claims up to `limit` due tasks (available and never attempted, waiting for a retry whose
   * time has come, or whose current attempt's deadline passed). Each claim starts a new attempt:
   * `attempt` + 1 and a fresh `attemptToken`; the deadline is now + startToCloseMs. An attempt
   * abandoned on its deadline counts as a failed attempt; when it was the last one the task
   * fails with a timeout error (inbox item) instead of being claimed. Tasks of finished runs
   * are never claimed (a cancelled run's queued work must not start). SQL: FOR UPDATE SKIP LOCKED.
   */
  claimTasks(request: ClaimTasksRequest): Promise<TaskClaim[]>;

  /** Extends the current attempt's deadlines. Throws `StaleAttemptError` for a stale attempt. */
  heartbeatTask(claim: TaskAttemptRef, details?: Encoded): Promise<void>;

  /**
   * Records a batch of heartbeats (one engine's flush) at once: for each listed attempt that is
   * current by the journal clock, moves its heartbeat deadline (never start-to-close) and stores
   * its details when given. Attempts that are not current are refused one by one (listed in
   * `refused`, nothing written for them); they do not fail the batch. Lists a task at most once.
   * `renew` entries only renew the attempt's engine lease (`options.attemptLeaseMs`), which a
   * heartbeat renews too. Accepted attempts whose call was withdrawn are listed in `withdrawn`.
   * SQL: one statement for the whole batch.
   */
  heartbeatTasks(
    heartbeats: readonly TaskHeartbeat[],
    options?: HeartbeatTasksOptions,
  ): Promise<HeartbeatTasksResult>;

  /**
   * Finishes the current attempt. `completed` and `failed` put the result in the run's inbox
   * (and, for completed tasks with an idempotency key, store it under (activityName, key)) in
   * the same transaction; `retry` makes the task due again after `delayMs`. Throws
   * `StaleAttemptError` when the attempt is no longer current, and writes nothing.
   */
  finishTask(claim: TaskAttemptRef, outcome: TaskOutcome): Promise<void>;

  /**
   * Writes the task rows of in-process attempts (`NewTask.inProcess`) whose calls their runs
   * still list (`RunClaim.inProcessCalls`), in runs that `owner` holds (or nobody does) and that
   * are open: as claimed, running attempts of `owner` with their own task id, token and deadline
   * (bounded by `attemptLeaseMs`), taken off their runs' lists. From then on they are ordinary
   * attempts: `finishTask`, heartbeats, the deadline and hand-backs apply, and a step that
   * finishes one by its in-process reference is refused (`StaleAttemptError`). Returns the task
   * ids written; an attempt left out is no longer its engine's to report (a step finished it, or
   * its run was taken over, or ended). SQL: one statement; it locks the runs' rows, then inserts.
   */
  persistAttempts(request: PersistAttemptsRequest): Promise<readonly string[]>;

  /**
   * Takes over the in-process calls of a run claimed from an engine that no longer runs them:
   * the run's list becomes `keep`, and each of `tasks` that has no row yet is written as an
   * abandoned attempt 1 (see {@link ReissueAttemptsRequest}), announced with task_ready. Throws
   * `LeaseLostError` when the lease is not current. Returns how many were written.
   */
  reissueAttempts(request: ReissueAttemptsRequest): Promise<number>;
}
