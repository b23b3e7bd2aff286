import { defineActivity } from "@continuum/core";

/** Side channel from workflow and activity code to the harness (benchmark only: not workflow-safe). */
export const probes = {
  /** performance.now() at each long-history step, in step order. */
  stepTimes: [] as number[],
  /** Wake-up: when the code reached the k-th wait, and when it resumed after it (first time only). */
  waiting: new Map<string, number>(),
  resumed: new Map<string, number>(),
  onWaiting: undefined as ((key: string) => void) | undefined,
  onResumed: undefined as ((key: string) => void) | undefined,
};

/** Records the first (live) time workflow code passes `key`: a replay passes here again. */
export function mark(
  map: Map<string, number>,
  key: string,
  listener: ((key: string) => void) | undefined,
): void {
  if (map.has(key)) return;
  map.set(key, performance.now());
  listener?.(key);
}

/** The no-op step every 3-step workflow runs. */
export const noop = defineActivity("bench.noop", async (i: number) => i);

/** A long-history step: records when it ran. */
export const tick = defineActivity("bench.tick", async (i: number) => {
  probes.stepTimes.push(performance.now());
  return i;
});
