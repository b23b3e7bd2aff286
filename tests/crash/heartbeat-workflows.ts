import { activity, activityContext, defineActivity, workflow } from "@continuum/core";

// Hand-stamped (transformer/SPEC.md section 1), like crash-workflows.ts: run by child processes
// with plain node.

/** Heartbeat timeout of the crash test's activity; start-to-close is 60 times longer. */
export const beatTimeoutMs = 2_000;
export const beatStartToCloseMs = 120_000;

/**
 * Counts to `target`, one unit per 100 ms, heartbeating the count; a retried attempt resumes
 * from the last count its predecessor's heartbeats recorded. Prints `BEAT_START <attempt>
 * <resumedFrom> <epoch ms>` when an attempt starts and `BEAT <n>` per unit.
 */
export const countWithBeats = defineActivity(
  "crash.count",
  async (target: number): Promise<{ resumedFrom: number; attempt: number; pid: number }> => {
    const ctx = activityContext();
    const last = ctx.lastHeartbeatDetails;
    const resumedFrom = typeof last === "number" ? last : 0;
    process.stdout.write(`BEAT_START ${ctx.attempt} ${resumedFrom} ${Date.now()}\n`);
    for (let n = resumedFrom + 1; n <= target; n += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await ctx.heartbeat(n);
      process.stdout.write(`BEAT ${n}\n`);
    }
    return { resumedFrom, attempt: ctx.attempt, pid: process.pid };
  },
  { timeoutMs: beatStartToCloseMs, heartbeatTimeoutMs: beatTimeoutMs, retry: { initialIntervalMs: 50 } },
);

/** One heartbeating activity. */
export const beatFlow = workflow.stamped({
  format: 1,
  versionHash: "beatflow00000001",
  cursors: ["activity:countWithBeats#0"],
  file: "tests/crash/heartbeat-workflows.ts",
  line: 35,
})("crash.beat", { version: 1 }, async ({ target }: { target: number }) => {
  return activity.at("activity:countWithBeats#0")(countWithBeats, target);
});

/**
 * Works for `units` x 100 ms without a heartbeat timeout and without heartbeating: only its
 * engine's attempt lease (the engine's leaseMs) can end an attempt whose engine died before
 * start-to-close. Prints `SILENT_START <attempt> <epoch ms>` when an attempt starts and
 * `SILENT <n>` per unit.
 */
export const silentWork = defineActivity(
  "crash.silent",
  async (units: number): Promise<{ attempt: number; pid: number }> => {
    const ctx = activityContext();
    process.stdout.write(`SILENT_START ${ctx.attempt} ${Date.now()}\n`);
    for (let n = 1; n <= units; n += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      process.stdout.write(`SILENT ${n}\n`);
    }
    return { attempt: ctx.attempt, pid: process.pid };
  },
  { timeoutMs: beatStartToCloseMs, retry: { initialIntervalMs: 50 } },
);

/** One silent activity (no heartbeat timeout). */
export const silentFlow = workflow.stamped({
  format: 1,
  versionHash: "silentflow000001",
  cursors: ["activity:silentWork#0"],
  file: "tests/crash/heartbeat-workflows.ts",
  line: 70,
})("crash.silent", { version: 1 }, async ({ units }: { units: number }) => {
  return activity.at("activity:silentWork#0")(silentWork, units);
});
