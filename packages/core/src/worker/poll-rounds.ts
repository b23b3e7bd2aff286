import type { EngineRuntime } from "./engine-runtime.ts";
import type { LoopRound } from "./engine-loop.ts";

/**
 * The workflow loop's round: one poll of ready runs; again at once while it filled every free
 * step slot, else after a poll interval or a wake-up.
 */
export function workflowRound(runtime: EngineRuntime, pollIntervalMs: number): LoopRound {
  return async () => {
    const free = runtime.freeStepSlots;
    // With no free slot pollRuns claims nothing but notes the backlog: a finishing step wakes the loop.
    const claimed = await runtime.pollRuns();
    if (free === 0) return pollIntervalMs;
    return claimed < free ? pollIntervalMs : 0;
  };
}

/**
 * The activity loop's round: one poll of ready tasks when an attempt slot is free; again at
 * once while it filled every free slot, else after a poll interval or a wake-up.
 */
export function activityRound(runtime: EngineRuntime, pollIntervalMs: number): LoopRound {
  return async () => {
    const free = runtime.pool.free;
    if (free === 0) return pollIntervalMs; // a finishing attempt wakes the loop
    const started = await runtime.pollTasks();
    return started < free ? pollIntervalMs : 0;
  };
}
