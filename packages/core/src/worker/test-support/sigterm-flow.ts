import { activity, defineActivity, workflow } from "../../workflow/index.ts";

/** The workflow and activity both engines of the SIGTERM test register (hand-stamped: no transformer). */
export const sigtermStamp = {
  format: 1,
  versionHash: "sigterm-flow-v1",
  cursors: [],
  file: "test/sigterm-flow.ts",
  line: 1,
} as const;

/** Builds the `slow` activity with the process's own implementation. */
export function slowActivity(implementation: (n: number) => Promise<number>) {
  return defineActivity("sigterm-slow", implementation, {
    timeoutMs: 600_000,
    retry: { maxAttempts: 3, initialIntervalMs: 60_000 },
  });
}

/** One activity, then done. */
export function sigtermFlow(slow: ReturnType<typeof slowActivity>) {
  return workflow.stamped(sigtermStamp)("sigterm-flow", { version: 1 }, async (n: number) =>
    activity.at("activity:sigterm-slow#0")(slow, n),
  );
}
