import { activity, defineActivity, signal, sleep, workflow } from "@continuum/core";

export const resilienceStep = defineActivity(
  "resilience.step",
  async (label: string, n: number) => `${label}:${n}`,
  {
    retry: { maxAttempts: 20, initialIntervalMs: 100, maxIntervalMs: 1_000 },
    timeoutMs: 5_000,
  },
);

// Hand-stamped (transformer/SPEC.md section 1).
export const resilienceFlow = workflow.stamped({
  format: 1,
  versionHash: "resilience000001",
  cursors: ["activity:resilienceStep#0", "sleep:#0", "signal:go#0", "activity:resilienceStep#1"],
  file: "tests/resilience/resilience-workflows.ts",
  line: 10,
})("resilience.flow", { version: 1 }, async ({ label }: { label: string }) => {
  const first = await activity.at("activity:resilienceStep#0")(resilienceStep, label, 1);
  await sleep.at("sleep:#0")(300);
  const go = await signal.at("signal:go#0")<string>("go", { timeout: 120_000 });
  const second = await activity.at("activity:resilienceStep#1")(resilienceStep, label, 2);
  return [first, go, second];
});
