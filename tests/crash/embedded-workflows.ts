import { activity, activityContext, defineActivity, workflow } from "@continuum/core";

// Hand-stamped (transformer/SPEC.md section 1), like crash-workflows.ts: run by a child process
// with plain node and by the test process.

/** Longer than any test: only a release of the dead process's leases lets a run go on sooner. */
export const hourMs = 3_600_000;

/**
 * Its first attempt never ends (printing `ATTEMPT 1 <pid>`); a later attempt returns at once.
 * Start-to-close is an hour, so a second attempt soon after a SIGKILL means the first one's
 * lease was released, not waited out.
 */
export const stallOnce = defineActivity(
  "embedded.stallOnce",
  async (): Promise<{ attempt: number; pid: number }> => {
    const { attempt } = activityContext();
    process.stdout.write(`ATTEMPT ${attempt} ${process.pid}\n`);
    if (attempt === 1) await new Promise<never>(() => {});
    return { attempt, pid: process.pid };
  },
  { timeoutMs: hourMs, retry: { maxAttempts: 3, initialIntervalMs: 10 } },
);

/** One stalling activity. */
export const stallFlow = workflow.stamped({
  format: 1,
  versionHash: "stallflow0000001",
  cursors: ["activity:stallOnce#0"],
  file: "tests/crash/embedded-workflows.ts",
  line: 26,
})("embedded.stall", { version: 1 }, async () => {
  return activity.at("activity:stallOnce#0")(stallOnce);
});
