import { describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import { journalMatrix } from "../client/test-support/journal-matrix.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { activity, defineActivity, isCancellation, workflow } from "../workflow/index.ts";
import { activityContext } from "./activity-context.ts";
import { createEngine } from "./create-engine.ts";

// Issue 11: an attempt running on another engine than the one stepping its run hears that its
// call was withdrawn (a plain cancel, or a forced terminate) through the answer to its engine's
// heartbeat flush, whether or not the activity heartbeats itself.

const seen: string[] = [];
let started: Array<() => void> = [];
const whenStarted = (): Promise<void> => new Promise((resolve) => started.push(resolve));

/** Waits for its signal to abort (optionally heartbeating), records why, and rethrows the reason. */
const hold = defineActivity(
  "cross.hold",
  async (label: string, beat: boolean) => {
    const { signal, heartbeat } = activityContext();
    for (const resolve of started.splice(0)) resolve();
    const beating = beat ? setInterval(() => void heartbeat(label), 20) : undefined;
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    clearInterval(beating);
    seen.push(`${label}: ${isCancellation(signal.reason) ? "CancelledError" : String(signal.reason)}`);
    throw signal.reason;
  },
  { retry: { maxAttempts: 3, initialIntervalMs: 10 }, timeoutMs: 600_000 },
);

const holder = workflow.stamped({
  format: 1,
  versionHash: "cross-holder",
  cursors: [],
  file: "test/cross.workflow.ts",
  line: 1,
})("cross.holder", { version: 1 }, async (input: { label: string; beat: boolean }) => {
  await activity.at("activity:hold#0")(hold, input.label, input.beat);
  return "held";
});

const { kinds, engines } = journalMatrix("cross_cancel");

describe.each(Object.entries(kinds))("a withdrawn attempt on another engine (%s journal)", (kind, open) => {
  const cases = [
    { how: "cancel", beat: false },
    { how: "cancel", beat: true },
    { how: "force", beat: false },
  ] as const;
  it.each(cases)(
    "$how, heartbeating: $beat: ctx.signal aborts with CancelledError",
    { timeout: 120_000 },
    async ({ how, beat }) => {
      seen.length = 0;
      started = [];
      const journal = await open();
      // The stepping engine has the workflow only; the activity engine has the activity only.
      const stepping = createEngine({ journal, workflows: [holder], pollIntervalMs: 50, leaseMs: 1_500 });
      const working = createEngine({
        journal,
        workflows: [],
        activities: [hold],
        pollIntervalMs: 50,
        leaseMs: 1_500,
        stickyActivities: false,
      });
      engines.push(stepping, working);
      const failures: string[] = [];
      working.events.on("activity.failed", (event) => failures.push(event.activityName));
      const retries: string[] = [];
      working.events.on("activity.retried", (event) => retries.push(event.activityName));
      stepping.start();
      working.start();
      const client = createClient({ journal, pollIntervalMs: 20 });
      const label = `${kind} ${how} ${beat ? "beating" : "silent"}`;
      const holding = whenStarted();
      const run = await client.start(holder, { label, beat });
      await holding;
      await client.cancel(run.runId, how === "force" ? { reason: "stop", force: true } : "stop");
      await expect(run.result()).rejects.toMatchObject({ code: ErrorCode.Cancelled });
      // Heard at a flush: every third of the 1.5 s lease at the latest, whatever the activity does.
      await expect.poll(() => seen, { timeout: 10_000 }).toEqual([`${label}: CancelledError`]);
      await expect.poll(() => failures).toEqual(["cross.hold"]); // thrown after the abort: not retried
      expect(retries).toEqual([]);
    },
  );
});
