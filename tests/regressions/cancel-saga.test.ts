import { describe, expect, it } from "vitest";
import { ManualClock, MemoryJournal } from "../../packages/core/src/journal/memory/index.ts";
import { createClient } from "../../packages/core/src/client/create-client.ts";
import { activity, defineActivity, workflow } from "../../packages/core/src/workflow/index.ts";
import { testRuntime } from "../../packages/core/src/worker/test-support/drive-runtime.ts";

const ran: string[] = [];
const reserve = defineActivity("shop.reserve", async (id: string) => {
  ran.push(`reserve ${id}`);
  return `r-${id}`;
});
const release = defineActivity("shop.release", async (id: string) => {
  ran.push(`release ${id}`);
  return "released";
});
const charge = defineActivity("shop.charge", async (id: string) => {
  ran.push(`charge ${id}`);
  return `c-${id}`;
});
const refund = defineActivity("shop.refund", async (id: string) => {
  ran.push(`refund ${id}`);
  return "refunded";
});

const shop = workflow.stamped({
  format: 1,
  versionHash: "review-shop-1",
  cursors: ["activity:reserve#0", "activity:charge#0"],
  file: "tests/regressions/cancel-saga.test.ts",
  line: 12,
})("review.shop", { version: 1, onCancel: "compensate" }, async (id: string) => {
  await activity.at("activity:reserve#0")(reserve, id, { compensate: [release, id] });
  await activity.at("activity:charge#0")(charge, id, { compensate: [refund, id] });
  return "done";
});

describe("regression: cancellation while an activity is queued", () => {
  it("either the queued charge never runs, or it is compensated (saga invariant)", async () => {
    ran.length = 0;
    const clock = new ManualClock();
    const journal = new MemoryJournal({ clock });
    const client = createClient({ journal });
    // The queued path: with the sticky fast path the charge would start at its step's commit, never queued.
    const { runtime } = testRuntime(journal, {
      workflows: [shop],
      activities: [reserve, release, charge, refund],
      stickyActivities: false,
    });
    const run = await client.start(shop, "o-1");

    await runtime.pollRuns();
    await runtime.settleSteps(); // schedules reserve
    await runtime.pollTasks();
    while (runtime.pool.active > 0) await runtime.pool.whenAnySettles();
    await runtime.pollRuns();
    await runtime.settleSteps(); // reserve done, charge scheduled (task pending)

    await client.cancel(run.runId, "customer changed their mind");
    await runtime.pollRuns();
    await runtime.settleSteps(); // cancel: compensations of completed calls start

    // From here the engine just runs to the end.
    for (let i = 0; i < 20; i++) {
      await runtime.fireTimers(100);
      await runtime.pollTasks();
      while (runtime.pool.active > 0) await runtime.pool.whenAnySettles();
      await runtime.pollRuns();
      await runtime.settleSteps();
    }
    expect((await journal.getRun(run.runId))?.status).toBe("cancelled");
    const charged = ran.includes("charge o-1");
    const refunded = ran.includes("refund o-1");
    expect(!charged || refunded, `activities that ran: ${JSON.stringify(ran)}`).toBe(true);
  });
});
