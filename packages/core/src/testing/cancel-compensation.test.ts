import { describe, expect, it } from "vitest";
import { CancelledError } from "../errors/workflow-errors.ts";
import { activity, compensateAll, signal, workflow } from "../workflow/index.ts";
import { createTestEnvironment } from "./index.ts";
import { replayHistory } from "./replay-history.ts";
import { stamp, ledger } from "./test-support/saga-ledger.ts";

// onCancel "compensate" (or a workflow catching CancelledError) undoes the work before a
// cancelled run ends.

describe("cancellation that compensates", () => {
  it("onCancel compensate undoes completed calls (most recent first) and ends the run cancelled", async () => {
    const l = ledger();
    const wf = workflow.stamped(stamp("on-cancel"))(
      "trip.onCancel",
      { version: 1, onCancel: "compensate" },
      async () => {
        await activity.at("activity:book#0")(l.book, "flight", { compensate: [l.release, "flight"] });
        await activity.at("activity:book#0")(l.book, "hotel", { compensate: [l.release, "hotel"] });
        return await signal.at("signal:approve#0")<string>("approve");
      },
    );
    const env = await createTestEnvironment({ workflows: [wf], activities: l.activities, paranoid: true });
    const run = await env.client.start(wf, undefined);
    await env.settle();
    await env.client.cancel(run.runId, "customer changed their mind");
    await env.client.cancel(run.runId, "asked twice"); // a second request does not abort the compensations
    const description = await env.waitFor(run.runId, "cancelled");
    expect(description.status).toBe("cancelled");
    expect([...l.effects.values()]).toEqual(["hotel", "flight"]);
    const history = await env.client.history(run.runId);
    expect(history.at(-1)).toMatchObject({ kind: "run_cancelled", reason: "customer changed their mind" });
    await replayHistory(wf, history);
    await env.close();
  });

  it("a workflow that catches CancelledError compensates itself, and ends cancelled by rethrowing", async () => {
    const l = ledger();
    const wf = workflow.stamped(stamp("catch-cancel"))("trip.catchCancel", { version: 1 }, async () => {
      await activity.at("activity:book#0")(l.book, "flight", { compensate: [l.release, "flight"] });
      await activity.at("activity:book#0")(l.book, "hotel", { compensate: [l.release, "hotel"] });
      try {
        return await signal.at("signal:approve#0")<string>("approve");
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        await compensateAll.at("compensateAll:#0")({ order: "parallel" });
        throw e;
      }
    });
    const env = await createTestEnvironment({ workflows: [wf], activities: l.activities, paranoid: true });
    const run = await env.client.start(wf, undefined);
    await env.settle();
    await env.client.cancel(run.runId, "no longer needed");
    expect((await env.waitFor(run.runId, "cancelled")).status).toBe("cancelled");
    expect([...l.effects.values()].sort()).toEqual(["flight", "hotel"]);
    await env.close();
  });

  it("without onCancel, a cancelled run compensates nothing unless it catches CancelledError itself", async () => {
    const l = ledger();
    const wf = workflow.stamped(stamp("no-policy"))("trip.noPolicy", { version: 1 }, async () => {
      await activity.at("activity:book#0")(l.book, "flight", { compensate: [l.release, "flight"] });
      return await signal.at("signal:approve#0")<string>("approve");
    });
    const env = await createTestEnvironment({ workflows: [wf], activities: l.activities });
    const run = await env.client.start(wf, undefined);
    await env.settle();
    await env.client.cancel(run.runId);
    await env.waitFor(run.runId, "cancelled");
    expect(l.effects.size).toBe(0);
    await env.close();
  });
});
