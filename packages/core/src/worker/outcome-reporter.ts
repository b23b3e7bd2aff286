import { attemptRef, type AttemptRow } from "./attempt-row.ts";
import type { EffectIdentity } from "../model/index.ts";
import { StaleAttemptError } from "../errors/journal-errors.ts";
import { emitEvent } from "./engine-events.ts";
import { isCompensation } from "./step-reports.ts";
import { decideOutcome, type AttemptResult } from "./decide-outcome.ts";
import type { ActivityPoolOptions, FinishLocally } from "./activity-pool-options.ts";

/** The fields every activity event of an attempt carries. */
export interface AttemptBase {
  readonly runId: string;
  readonly taskId: string;
  readonly identity: EffectIdentity;
  readonly activityName: string;
  readonly attempt: number;
}

/** How many times an attempt's outcome is offered to the journal before the pool gives up on it. */
const finishTaskReports = 5;

/**
 * Writes a settled attempt's outcome and then tells the engine's listeners: through the run's
 * next step on the sticky fast path (`finishLocally`), else with `finishTask`, retried a few
 * times over a journal blip so that finished work is not thrown away. Events follow the write,
 * so a listener never hears of an outcome the journal does not hold.
 */
export type OutcomeReporter = (
  row: AttemptRow,
  result: Exclude<AttemptResult, { kind: "abandoned" }>,
  withdrawn: boolean,
  base: AttemptBase,
  startedAt: number,
  finishLocally?: FinishLocally,
) => Promise<void>;

/** Creates the {@link OutcomeReporter} of a pool; `stopping` says whether the pool is shutting down. */
export function createOutcomeReporter(
  options: Pick<ActivityPoolOptions, "journal" | "events" | "timers" | "onRetryScheduled" | "onAttemptLost">,
  stopping: () => boolean,
): OutcomeReporter {
  const { journal, events, timers } = options;
  return async (row, result, withdrawn, base, startedAt, finishLocally) => {
    // A persist under way (a heartbeat's, the long-attempt timer's) decides which reference the
    // outcome goes with: the row's, or the in-process one.
    await row.settled();
    const claim = row.claim;
    if (claim.inProcess === true && !row.inProcess) {
      // Found stale (its run no longer lists its call): another engine re-issued it.
      emitEvent(events, "activity.stale", base);
      return;
    }
    const durationMs = performance.now() - startedAt;
    const compensation = isCompensation(claim.identity);
    // Withdrawn (its run was cancelled) and then threw: a retry would run a call nobody awaits.
    const outcome = decideOutcome(claim, result, withdrawn);
    // Sticky fast path: the run's next step commits the result and closes the task at once.
    // Retries keep the normal path (the task waits in the journal for its next attempt).
    const report = (): void => {
      switch (outcome.kind) {
        case "completed":
          emitEvent(events, "activity.completed", { ...base, durationMs });
          if (compensation) emitEvent(events, "compensation.completed", { ...base, durationMs });
          break;
        case "retry":
          emitEvent(events, "activity.retried", { ...base, error: outcome.error, delayMs: outcome.delayMs });
          options.onRetryScheduled?.(outcome.delayMs);
          break;
        case "failed":
          emitEvent(events, "activity.failed", { ...base, error: outcome.error, durationMs });
          if (compensation)
            emitEvent(events, "compensation.failed", { ...base, error: outcome.error, durationMs });
          break;
      }
    };
    if (finishLocally !== undefined && outcome.kind !== "retry" && !stopping()) {
      const reported = await finishLocally(claim, outcome, report).catch((error: unknown) => {
        emitEvent(events, "engine.error", { where: "activity_loop", error, runId: claim.runId });
        return false;
      });
      if (reported) return;
    }

    // A journal blip must not throw away finished work (the task would run again after its
    // deadline): retry the report a few times, backing off, while the attempt is still current.
    for (let attempt = 1; ; attempt++) {
      try {
        // finishTask needs the attempt's row: an in-process attempt gets it now, unless its run
        // is no longer this engine's (taken over: the new owner re-issued the call).
        if (!(await row.persist())) throw new StaleAttemptError(claim.taskId, claim.attempt);
        await journal.finishTask(attemptRef(row.claim), outcome);
        break;
      } catch (error) {
        if (error instanceof StaleAttemptError) {
          emitEvent(events, "activity.stale", base);
          return;
        }
        emitEvent(events, "engine.error", { where: "activity_loop", error, runId: claim.runId });
        if (attempt >= finishTaskReports || stopping()) {
          // An outcome without a row that never got one is lost while the run is still held
          // here: let the run's lease run out, so that its calls are re-issued.
          if (row.inProcess) options.onAttemptLost?.(claim.runId);
          return;
        }
        await new Promise<void>((resolve) => timers.after(100 * 2 ** (attempt - 1), resolve));
      }
    }
    report();
  };
}
