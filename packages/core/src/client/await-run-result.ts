import type { Journal, RunRecord } from "../journal/journal.ts";
import { NotifyTopic } from "../journal/notifier.ts";
import { RunStatus, isTerminal } from "../model/run-status.ts";
import { assertNever } from "../model/history-event.ts";
import { decode, deserializeError } from "../codec/index.ts";
import { RunNotFoundError } from "../errors/journal-errors.ts";
import { ResultTimeoutError, WorkflowCancelledError, WorkflowFailedError } from "../errors/engine-errors.ts";
import { createWaker } from "../worker/waker.ts";
import { Limits, checkOptionalNumber } from "../validation/index.ts";

/** How {@link awaitRunResult} waits. */
export interface AwaitResultOptions {
  /** Give up after this long (local wall-clock ms) with `ResultTimeoutError`; the run goes on. Default: wait forever. */
  readonly timeoutMs?: number;
  /** Poll period when no notifier hint arrives (hints can be lost). */
  readonly pollIntervalMs: number;
}

/**
 * Waits until the run (following continue-as-new to the last run of the chain) is terminal,
 * then returns its decoded result or throws `WorkflowFailedError` (cause: the deserialized
 * workflow error) / `WorkflowCancelledError`. Woken by the notifier's `run_finished` hint;
 * polls as the fallback, because hints may be lost.
 */
export async function awaitRunResult(
  journal: Journal,
  runId: string,
  options: AwaitResultOptions,
): Promise<unknown> {
  // A NaN deadline never passes and a NaN sleep is 1 ms: the wait would spin on the database.
  checkOptionalNumber(options.timeoutMs, "timeoutMs", { min: 0, max: Limits.maxWaitMs });
  checkOptionalNumber(options.pollIntervalMs, "pollIntervalMs", { min: 1, max: Limits.maxTimerMs });
  const waker = createWaker();
  let current = runId;
  const unsubscribe = journal.notifier.subscribe(NotifyTopic.runFinished, (id) => {
    if (id === current) waker.wake();
  });
  const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
  try {
    for (;;) {
      const run = await journal.getRun(current);
      if (run === undefined) throw new RunNotFoundError(current);
      if (run.status === RunStatus.continued && run.continuedTo !== undefined) {
        current = run.continuedTo;
        continue;
      }
      if (isTerminal(run.status)) return await settle(journal, run);
      const remaining = deadline === undefined ? options.pollIntervalMs : deadline - Date.now();
      if (remaining <= 0) throw new ResultTimeoutError(runId, options.timeoutMs ?? 0, run.status);
      await waker.sleep(Math.min(options.pollIntervalMs, remaining));
    }
  } finally {
    unsubscribe();
  }
}

async function settle(journal: Journal, run: RunRecord): Promise<unknown> {
  switch (run.status) {
    case RunStatus.completed:
      return run.result === undefined ? undefined : decode(run.result, "result");
    case RunStatus.failed: {
      const error = run.error ?? { name: "Error", message: "the run failed without a recorded error" };
      throw new WorkflowFailedError(run.runId, run.workflowName, error, deserializeError(error));
    }
    case RunStatus.cancelled: {
      // The reason lives in the run_cancelled event, the run's last one.
      const [last] = await journal.readHistory(run.runId, Math.max(0, run.lastSeq - 1));
      throw new WorkflowCancelledError(
        run.runId,
        run.workflowName,
        last?.kind === "run_cancelled" ? last.reason : undefined,
      );
    }
    case RunStatus.continued: // followed to its successor before settling; one without a successor has no result
    case RunStatus.running: // not terminal: never settled
    case RunStatus.stuckUnknownVersion:
      return undefined;
    default:
      return assertNever(run.status);
  }
}
