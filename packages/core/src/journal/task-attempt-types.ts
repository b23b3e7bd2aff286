// Activity task attempts: claiming them, heartbeating them and reporting their outcome.
import type { EffectIdentity, Encoded, ResolvedActivityOptions, SerializedError } from "../model/index.ts";
import type { RunLeaseRef } from "./run-claim-types.ts";
import type { NewTask } from "./step-commit-types.ts";

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
  /**
   * An attempt without a task row, run by the engine that created it (see `NewTask.inProcess`):
   * only a step of its run (`StepCommit.finishTasks`) or `Journal.persistAttempts` take it.
   */
  readonly inProcess?: true;
  /** The call's identity: set on an in-process attempt's reference (its run lists it by identity). */
  readonly identity?: EffectIdentity;
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

/** Gives in-process attempts their task rows (see `Journal.persistAttempts`). */
export interface PersistAttemptsRequest {
  /** The engine that runs them: it must still hold their runs' leases (or the runs none). */
  readonly owner: string;
  /** In-process claims, as the step that created them returned them. */
  readonly attempts: readonly TaskClaim[];
  /** The engine's attempt lease (see {@link ClaimTasksRequest.attemptLeaseMs}). */
  readonly attemptLeaseMs?: number;
}

/**
 * The in-process attempts of a run whose owner died (see `Journal.reissueAttempts`): each
 * gets a task row as an attempt 1 abandoned now, which `claimTasks` re-claims at once as
 * attempt 2 (or fails, when attempt 1 was the last), as it does a dead engine's expired attempt.
 */
export interface ReissueAttemptsRequest {
  /** The claim of the engine taking the run over: the rows are written only under it. */
  readonly lease: RunLeaseRef;
  /** The run's listed in-process calls (`RunClaim.inProcessCalls`) the claimer does not run, from the history. */
  readonly tasks: readonly NewTask[];
  /** The listed calls the claiming engine still runs in-process itself: the run's list becomes this. */
  readonly keep: readonly EffectIdentity[];
}
