import type { Journal, RunRecord } from "../journal/journal.ts";
import { NotifyTopic } from "../journal/notifier.ts";
import { RunStatus, isTerminal } from "../model/run-status.ts";
import { assertNever } from "../model/history-event.ts";
import { decode, deserializeError } from "../codec/index.ts";
import { RunNotFoundError } from "../errors/journal-errors.ts";
import { ResultTimeoutError, WorkflowCancelledError, WorkflowFailedError } from "../errors/engine-errors.ts";
import { createWaker } from "../worker/waker.ts";
import type { LocalOutcomeSource, SettledRun } from "../worker/local-outcomes.ts";
import { Limits, checkOptionalNumber } from "../validation/index.ts";

/** How {@link awaitRunResult} waits. */
export interface AwaitResultOptions {
  /** Give up after this long (local wall-clock ms) with `ResultTimeoutError`; the run goes on. Default: wait forever. */
  readonly timeoutMs?: number;
  /** Poll period when no notifier hint arrives (hints can be lost). */
  readonly pollIntervalMs: number;
  /** An engine of this process: a run it holds is not read first, one it ends is not read again. */
  readonly local?: LocalOutcomeSource;
}

/**
 * Waits until the run (following continue-as-new to the last run of the chain) is terminal,
 * then returns its decoded result or throws `WorkflowFailedError` (cause: the deserialized
 * workflow error) / `WorkflowCancelledError`. Woken by the notifier's `run_finished` hint;
 * polls as the fallback, because hints may be lost. With `local` (a client bound to an engine of
 * this process) a run that engine holds is not read before it ends, and a run it completes or
 * fails settles from the outcome its commit recorded, without a read.
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
  // Subscribed before anything else, so an outcome committed from here on is never missed.
  let ended: SettledRun | undefined;
  const stopLocal = options.local?.subscribe((outcome) => {
    if (outcome.runId !== current) return;
    ended = outcome;
    waker.wake();
  });
  // A run this process's engine holds is running: wait for its outcome (or a hint, or the poll
  // period) before the first read. Later rounds read the journal (the lease may have moved),
  // unless a step of the run is in progress here: a run_finished hint can overtake the response
  // to that step's own commit, whose outcome comes next.
  let skipRead = options.local?.holds(runId) === true;
  const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
  try {
    for (;;) {
      const local = ended?.runId === current ? ended : options.local?.peek(current);
      if (local !== undefined) return await settle(journal, local);
      const run: Pick<RunRecord, "status" | "continuedTo"> | undefined = skipRead
        ? { status: RunStatus.running }
        : await journal.getRun(current);
      skipRead = false;
      if (run === undefined) throw new RunNotFoundError(current);
      if (run.status === RunStatus.continued && run.continuedTo !== undefined) {
        current = run.continuedTo;
        continue;
      }
      if (isTerminal(run.status)) return await settle(journal, run as RunRecord);
      const remaining = deadline === undefined ? options.pollIntervalMs : deadline - Date.now();
      if (remaining <= 0) throw new ResultTimeoutError(runId, options.timeoutMs ?? 0, run.status);
      await waker.sleep(Math.min(options.pollIntervalMs, remaining));
      skipRead = options.local?.stepping(current) === true;
    }
  } finally {
    unsubscribe();
    stopLocal?.();
  }
}

async function settle(
  journal: Journal,
  run: Pick<RunRecord, "runId" | "workflowName" | "status" | "result" | "error"> & {
    readonly lastSeq?: number;
  },
): Promise<unknown> {
  switch (run.status) {
    case RunStatus.completed:
      return run.result === undefined ? undefined : decode(run.result, "result");
    case RunStatus.failed: {
      const error = run.error ?? { name: "Error", message: "the run failed without a recorded error" };
      throw new WorkflowFailedError(run.runId, run.workflowName, error, deserializeError(error));
    }
    case RunStatus.cancelled: {
      // The reason lives in the run_cancelled event, the run's last one.
      const [last] = await journal.readHistory(run.runId, Math.max(0, (run.lastSeq ?? 1) - 1));
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
