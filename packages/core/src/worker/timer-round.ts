import type { Journal } from "../journal/journal.ts";
import type { EngineRuntime } from "./engine-runtime.ts";
import type { LoopRound } from "./engine-loop.ts";

/** Most timers one round fires; the round repeats at once while this many were due. */
const timerBatch = 256;
/** Rounds between two schedule checks when nothing came due (see {@link timerRound}). */
const schedulesEveryRounds = 30;

/**
 * The timer wheel's round: fire what is due (timers, then schedules), then sleep until the
 * journal's next due time (capped by the poll interval). A due time that passes may also be a
 * task's retry or a delayed start, so the activity and workflow loops are woken then too.
 */
export function timerRound(
  runtime: EngineRuntime,
  journal: Journal,
  pollIntervalMs: number,
  wakeWork: () => void,
): LoopRound {
  let lastHandledDue: number | undefined;
  // Schedules are looked at when something came due (nextDueAt covers their fire times and the
  // first round registers the code's schedules), and every 30th round otherwise (a buffer_one
  // fire waiting for a run to end has no due time): an idle engine spends no query on them.
  let schedulesDue = true;
  let roundsSinceSchedules = 0;
  return async () => {
    const fired = await runtime.fireTimers(timerBatch);
    let started = 0;
    if (schedulesDue || ++roundsSinceSchedules >= schedulesEveryRounds) {
      roundsSinceSchedules = 0;
      started = await runtime.fireSchedules();
      if (started > 0) wakeWork();
    }
    if (fired === timerBatch) return 0;
    const [due, now] = await Promise.all([journal.nextDueAt(), journal.now()]);
    schedulesDue = due !== undefined && due <= now;
    if (due === undefined) return pollIntervalMs;
    if (due > now) return Math.min(pollIntervalMs, due - now);
    // Due but not fired: a task waiting for a worker or a delayed start. Wake the loops once, then idle.
    if (lastHandledDue !== due) {
      lastHandledDue = due;
      wakeWork();
      return 0;
    }
    return pollIntervalMs;
  };
}
