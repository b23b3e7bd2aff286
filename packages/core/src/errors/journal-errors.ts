import { ContinuumError } from "./continuum-error.ts";
import { ErrorCode } from "./error-code.ts";

/**
 * The writer's fencing token no longer matches the run's: another engine took the lease. The
 * engine must drop its execution of this run and write nothing more for it.
 */
export class LeaseLostError extends ContinuumError<{ runId: string; fencingToken: number }> {
  constructor(runId: string, fencingToken: number) {
    super(ErrorCode.LeaseLost, `lease on run ${runId} was lost (fencing token ${fencingToken} is stale)`, {
      data: { runId, fencingToken },
      hint: "another engine owns this run now; drop the execution (this is normal after a pause or a crash)",
    });
  }
}

/** An activity attempt was abandoned (timed out or reclaimed); its late result is refused. */
export class StaleAttemptError extends ContinuumError<{ taskId: string; attempt: number }> {
  constructor(taskId: string, attempt: number) {
    super(ErrorCode.StaleAttempt, `activity attempt ${attempt} of task ${taskId} is no longer current`, {
      data: { taskId, attempt },
      hint: "the attempt outlived its start-to-close timeout or heartbeat timeout; raise timeoutMs or heartbeat more often",
    });
  }
}

/** No run has this id. */
export class RunNotFoundError extends ContinuumError<{ runId: string }> {
  constructor(runId: string) {
    super(ErrorCode.RunNotFound, `no run with id ${JSON.stringify(runId)}`, {
      data: { runId },
      hint: "check the id returned by client.start(); ids are case-sensitive",
    });
  }
}

/** The run has finished; it accepts no more signals or cancellations. */
export class RunFinishedError extends ContinuumError<{ runId: string; status: string }> {
  constructor(runId: string, status: string) {
    super(ErrorCode.RunFinished, `run ${runId} has already finished (${status})`, {
      data: { runId, status },
      hint: "signal or cancel only runs that are still running; describe(runId) shows the status",
    });
  }
}

/** A start with an id that already names a run, under the `fail` conflict policy. */
export class RunAlreadyExistsError extends ContinuumError<{ workflowId: string; runId: string }> {
  constructor(workflowId: string, runId: string) {
    super(
      ErrorCode.RunAlreadyExists,
      `a run with id ${JSON.stringify(workflowId)} already exists (${runId})`,
      {
        data: { workflowId, runId },
        hint: "use another id, or start with { onConflict: 'return' } to get the existing run",
      },
    );
  }
}

/**
 * A step was computed against a different history length than the run has (`lastSeq` does
 * not match): the writer's view of the run is stale or it skipped events. Nothing is written.
 */
export class SequenceConflictError extends ContinuumError<{
  runId: string;
  expectedLastSeq: number;
  actualLastSeq: number;
}> {
  constructor(runId: string, expectedLastSeq: number, actualLastSeq: number) {
    super(
      ErrorCode.SequenceConflict,
      `run ${runId} is at seq ${actualLastSeq}, the step was computed against ${expectedLastSeq}`,
      {
        data: { runId, expectedLastSeq, actualLastSeq },
        hint: "drop the execution and replay the run from its history (this points to a bug in the engine, please report it)",
      },
    );
  }
}

/**
 * A step computed without reading the run's inbox (sticky fast path, `StepCommit.requireEmptyInbox`)
 * found undelivered items there: nothing was written; the run must be stepped through a claim,
 * which delivers them.
 */
export class InboxNotEmptyError extends ContinuumError<{ runId: string }> {
  constructor(runId: string) {
    super(
      ErrorCode.InboxNotEmpty,
      `run ${runId}'s inbox is not what the step was computed from: it holds undelivered items the step skipped, or lacks one it delivered`,
      {
        data: { runId },
        hint: "the engine handles this itself (it reports its attempts with finishTask and claims the run); seen outside the engine, step the run from a claimRuns claim",
      },
    );
  }
}

/** A caller's transaction was passed to a journal that cannot join it, or it is not a transaction. */
export class TransactionNotSupportedError extends ContinuumError<{ reason: string }> {
  constructor(reason: string) {
    super(ErrorCode.TransactionNotSupported, `cannot join the caller's transaction: ${reason}`, {
      data: { reason },
      hint: "pass the `trx` of `db.transaction().execute(async (trx) => ...)` on the same database as an SQL journal (openJournal); the memory journal has no transactions",
    });
  }
}

/**
 * A timer or deferral duration the journal cannot store (NaN). Thrown before anything is
 * written, so the step that asked for it fails and nothing half-happens.
 */
export class InvalidDurationError extends ContinuumError<{ what: string; value: number }> {
  constructor(what: string, value: number) {
    super(ErrorCode.InvalidDuration, `${what} is not a number of milliseconds (${value})`, {
      data: { what, value },
      hint: "pass a finite number of ms (durations past year 275760 are clamped; negative ones mean now)",
    });
  }
}
