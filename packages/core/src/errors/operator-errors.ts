import { ContinuumError } from "./continuum-error.ts";
import { ErrorCode } from "./error-code.ts";

/** Why a run cannot be retried from its failure (see `Operator.retry`). */
export type RetryRefusal = "not_failed" | "has_parent" | "open_child" | "workflow_id_taken";

const hints: Record<RetryRefusal, string> = {
  not_failed: "only a failed run can be retried; cancel or terminate a running run first, or start a new run",
  has_parent:
    "a child run is retried with its parent: retry the parent run (its child starts again from the parent's history)",
  open_child:
    "the failure point lies while a child run was still open; start a new run, or retry the child's parent once the child ended",
  workflow_id_taken: "another run holds the workflow id now; cancel it first or start a new run instead",
};

/** A run that `retry` cannot restart from its failure; nothing was written. */
export class RunNotRetryableError extends ContinuumError<{
  runId: string;
  reason: RetryRefusal;
  detail: string;
}> {
  constructor(runId: string, reason: RetryRefusal, detail: string) {
    super(ErrorCode.RunNotRetryable, `run ${runId} cannot be retried: ${detail}`, {
      data: { runId, reason, detail },
      hint: hints[reason],
    });
  }
}

/** The journal has no operator port (`journal.admin`): a wrapper that does not pass it through. */
export class OperatorUnsupportedError extends ContinuumError<{ operation: string }> {
  constructor(operation: string) {
    super(ErrorCode.OperatorUnsupported, `this journal does not support operator actions (${operation})`, {
      data: { operation },
      hint: "use a journal from openJournal() or createMemoryJournal(); a wrapper of a journal should pass its `admin` port through",
    });
  }
}
