import type { Journal } from "../../journal/journal.ts";
import { createEngineRuntime, type EngineRuntime, type EngineRuntimeOptions } from "../engine-runtime.ts";

/**
 * Test support: an engine runtime (the engine without its loops) plus a `drive()` that runs
 * rounds of timers, tasks and steps until nothing happens, so engine tests are deterministic.
 */
export function testRuntime(
  journal: Journal,
  options: Partial<EngineRuntimeOptions> & Pick<EngineRuntimeOptions, "workflows">,
) {
  const runtime: EngineRuntime = createEngineRuntime({
    journal,
    activities: [],
    owner: "engine-a",
    workflowConcurrency: 8,
    activityConcurrency: 8,
    leaseMs: 30_000,
    cacheSize: 100,
    driftBackoffMs: 60_000,
    ...options,
  });
  const counts = { committed: 0, replays: 0, cachedSteps: 0 };
  runtime.events.on("step.committed", (e) => {
    counts.committed++;
    if (e.cached) counts.cachedSteps++;
  });
  runtime.events.on("replay.started", () => counts.replays++);
  // A lease given back in a round may leave its run ready for the next one.
  let released = 0;
  runtime.events.on("lease.released", () => released++);
  const drive = async (): Promise<void> => {
    for (let i = 0; i < 1_000; i++) {
      const before = counts.committed;
      const releasedBefore = released;
      const fired = (await runtime.fireTimers(100)) + (await runtime.fireSchedules());
      const started = await runtime.pollTasks();
      while (runtime.pool.active > 0) await runtime.pool.whenAnySettles();
      await runtime.pollRuns();
      await runtime.settleSteps();
      if (fired === 0 && started === 0 && counts.committed === before && released === releasedBefore) return;
    }
    throw new Error("drive: still busy after 1000 rounds");
  };
  return { runtime, counts, drive };
}

/** Test support: a journal that counts calls per method (and can run a hook before one). */
export function instrumented<J extends Journal>(
  journal: J,
  hooks: { beforeCommit?: () => Promise<void> } = {},
) {
  const calls = new Map<string, number>();
  const proxy = new Proxy(journal, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        calls.set(String(property), (calls.get(String(property)) ?? 0) + 1);
        if (property === "commitStep" && hooks.beforeCommit !== undefined) await hooks.beforeCommit();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { journal: proxy as J, calls: (method: string) => calls.get(method) ?? 0 };
}
