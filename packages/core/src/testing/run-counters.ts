import type { ActivityImplementation } from "../worker/activity-pool.ts";
import { activityContext } from "../worker/activity-context.ts";
import type { CrashPoint, DeployedCode } from "./test-environment.ts";

/**
 * The test environment's per-run counters (committed steps, finished activity attempts, calls
 * of each activity): what `env.counts` and `env.effects` report and crash points count by.
 */
export interface RunCounters {
  readonly stepsByRun: Map<string, number>;
  readonly attemptsByRun: Map<string, number>;
  readonly effectsByRun: Map<string, Record<string, number>>;
  /** Counts a committed step of the run; returns its number. */
  readonly countStep: (runId: string) => number;
  /** The deployed activities (and mocks) wrapped to count their calls and strike `after_activity`. */
  readonly activityOverrides: (code: DeployedCode) => Map<string, ActivityImplementation>;
  readonly effects: (runId: string) => Record<string, number>;
  readonly counts: (runId: string) => { steps: number; attempts: number };
}

/** Creates the counters; `strike` is offered each `after_activity` crash point. */
export function createRunCounters(strike: (point: CrashPoint) => void): RunCounters {
  const stepsByRun = new Map<string, number>();
  const attemptsByRun = new Map<string, number>();
  const effectsByRun = new Map<string, Record<string, number>>();

  /** Wraps an activity function to count its calls and to host `after_activity` crash points. */
  const counted =
    (name: string, implementation: ActivityImplementation): ActivityImplementation =>
    async (...args: unknown[]) => {
      const runId = activityContext().runId;
      const counts = effectsByRun.get(runId) ?? {};
      counts[name] = (counts[name] ?? 0) + 1;
      effectsByRun.set(runId, counts);
      const value: unknown = await implementation(...args);
      const attempt = (attemptsByRun.get(runId) ?? 0) + 1;
      attemptsByRun.set(runId, attempt);
      strike({ kind: "after_activity", runId, activityName: name, attempt });
      return value;
    };

  return {
    stepsByRun,
    attemptsByRun,
    effectsByRun,
    countStep(runId) {
      const count = (stepsByRun.get(runId) ?? 0) + 1;
      stepsByRun.set(runId, count);
      return count;
    },
    activityOverrides(code) {
      const overrides = new Map<string, ActivityImplementation>();
      for (const definition of code.activities)
        overrides.set(definition.name, counted(definition.name, definition.fn as ActivityImplementation));
      for (const mock of code.activityMocks)
        overrides.set(mock.activityName, counted(mock.activityName, mock.implementation));
      return overrides;
    },
    effects: (runId) => ({ ...effectsByRun.get(runId) }),
    counts: (runId) => ({ steps: stepsByRun.get(runId) ?? 0, attempts: attemptsByRun.get(runId) ?? 0 }),
  };
}
