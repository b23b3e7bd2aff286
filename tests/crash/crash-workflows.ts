import { activity, defineActivity, sideEffect, workflow } from "@continuum/core";
import pg from "pg";

// Hand-stamped (transformer/SPEC.md section 1): these run in child processes started with plain
// node, and the suites must not depend on the transformer's build.

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
pool.on("error", () => {});

/**
 * One step of the crash workload. Every attempt is logged (to count attempts that ran more than
 * once), and the step's external effect is written once per key: the pattern a user applies to
 * make at-least-once activities effectively-once.
 */
async function recordStep(key: string, step: number): Promise<number> {
  await pool.query("INSERT INTO crash_attempts (run_key, step, pid) VALUES ($1, $2, $3)", [
    key,
    step,
    process.pid,
  ]);
  await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 15)));
  await pool.query(
    "INSERT INTO crash_effects (idempotency_key, pid) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    [`${key}:${step}`, process.pid],
  );
  return step;
}

const stepRetry = { maxAttempts: 50, initialIntervalMs: 50, maxIntervalMs: 500 };

/** {@link recordStep} with the journal's idempotency key too (a stored result is reused across runs). */
export const crashStep = defineActivity("crash.step", recordStep, {
  retry: stepRetry,
  timeoutMs: 2_000,
  idempotencyKey: (key, step) => `${key}:${step}`,
});

/**
 * {@link recordStep} without a journal idempotency key: the common activity, whose first call a
 * fresh eager start inserts in the start's single statement (start-with-first-step.ts).
 */
export const crashStepPlain = defineActivity("crash.step-plain", recordStep, {
  retry: stepRetry,
  timeoutMs: 2_000,
});

/** Sequential steps; the result is the sum of the step numbers, so a lost or doubled step shows. */
export const crashFlow = workflow.stamped({
  format: 1,
  versionHash: "crashflow0000001",
  cursors: ["activity:crashStep#0"],
  file: "tests/crash/crash-workflows.ts",
  line: 33,
})("crash.flow", { version: 1 }, async ({ key, steps }: { key: string; steps: number }) => {
  let sum = 0;
  for (let step = 0; step < steps; step += 1) {
    sum += await activity.at("activity:crashStep#0")(crashStep, key, step);
  }
  return sum;
});

/** {@link crashFlow} on {@link crashStepPlain}. */
export const crashFlowPlain = workflow.stamped({
  format: 1,
  versionHash: "crashflowplain01",
  cursors: ["activity:crashStepPlain#0"],
  file: "tests/crash/crash-workflows.ts",
  line: 75,
})("crash.flow-plain", { version: 1 }, async ({ key, steps }: { key: string; steps: number }) => {
  let sum = 0;
  for (let step = 0; step < steps; step += 1) {
    sum += await activity.at("activity:crashStepPlain#0")(crashStepPlain, key, step);
  }
  return sum;
});

export const fenceStep = defineActivity("fence.step", async (value: number) => value * 2, {
  timeoutMs: 5_000,
});

/**
 * The side effect runs inside the step, while the engine holds the run's lease: the fencing
 * test freezes the process right there, past the lease, and resumes it after another engine
 * took the run over.
 */
export const fenceFlow = workflow.stamped({
  format: 1,
  versionHash: "fenceflow0000001",
  cursors: ["sideEffect:#0", "activity:fenceStep#0"],
  file: "tests/crash/crash-workflows.ts",
  line: 52,
})("fence.flow", { version: 1 }, async () => {
  const pid = await sideEffect.at("sideEffect:#0")(async () => {
    process.stdout.write(`IN_STEP ${process.pid}\n`);
    await new Promise((resolve) => setTimeout(resolve, 400));
    return process.pid;
  });
  return { pid, doubled: await activity.at("activity:fenceStep#0")(fenceStep, pid) };
});

/** Closes the pool the activities use. */
export async function closeCrashPool(): Promise<void> {
  await pool.end();
}
