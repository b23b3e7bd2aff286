import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import {
  activity,
  compensate,
  compensateAll,
  defineActivity,
  hours,
  isTimeout,
  patched,
  signal,
  workflow,
} from "../workflow/index.ts";
import { createTestEnvironment } from "./index.ts";
import { replayHistory } from "./replay-history.ts";
import { stamp, ledger, scheduled } from "./test-support/saga-ledger.ts";

// Saga polish: compensations are journaled activities run at most once per run; compensateAll
// runs LIFO or in parallel. Workflow-level timeouts: workflow-timeout.test.ts; onCancel
// "compensate": cancel-compensation.test.ts.

describe("sagas: compensateAll order", () => {
  it("parallel issues every compensation in one step, most recent first, and waits for all", async () => {
    const l = ledger();
    const trip = workflow.stamped(stamp("trip-par"))("trip.parallel", { version: 1 }, async () => {
      try {
        for (const what of ["flight", "hotel", "car"])
          await activity.at("activity:book#0")(l.book, what, { compensate: [l.release, what] });
        await activity.at("activity:fail#0")(l.fail, "museum");
        return "booked";
      } catch {
        await compensateAll.at("compensateAll:#0")({ order: "parallel" });
        return "rolled back";
      }
    });
    const env = await createTestEnvironment({ workflows: [trip], activities: l.activities, paranoid: true });
    const run = await env.client.start(trip, undefined);
    expect(await run.result()).toBe("rolled back");
    const history = await env.client.history(run.runId);
    expect(scheduled(history).slice(-3)).toEqual([
      'compensateAll:#0@0 saga.release ["car"]',
      'compensateAll:#0@1 saga.release ["hotel"]',
      'compensateAll:#0@2 saga.release ["flight"]',
    ]);
    // All three were scheduled before any of them completed: one step issued them together.
    const firstUndo = history.findIndex(
      (e) => e.kind === "activity_scheduled" && e.identity === "compensateAll:#0@0",
    );
    expect(history.slice(firstUndo, firstUndo + 3).every((e) => e.kind === "activity_scheduled")).toBe(true);
    expect([...l.effects.values()].sort()).toEqual(["car", "flight", "hotel"]);
    await env.close();
  });

  it("parallel reports a failing compensation after the others ran; lifo stops at it", async () => {
    for (const order of ["parallel", "lifo"] as const) {
      const l = ledger();
      l.failingRelease.set("hotel", 99);
      const trip = workflow.stamped(stamp(`trip-fail-${order}`))(
        `trip.${order}`,
        { version: 1 },
        async () => {
          for (const what of ["flight", "hotel", "car"])
            await activity.at("activity:book#0")(l.book, what, { compensate: [l.release, what] });
          try {
            await compensateAll.at("compensateAll:#0")({ order });
            return "clean";
          } catch (e) {
            return `undo failed: ${(e as Error).message}`;
          }
        },
      );
      const env = await createTestEnvironment({ workflows: [trip], activities: l.activities });
      const run = await env.client.start(trip, undefined);
      expect(await run.result()).toMatch(/^undo failed: .*saga\.release/);
      // Retried by the compensation's own policy (4 attempts), then given up.
      expect(l.attempts.filter((a) => a.startsWith("release:hotel"))).toHaveLength(4);
      expect([...l.effects.values()].sort()).toEqual(order === "parallel" ? ["car", "flight"] : ["car"]);
      await env.close();
    }
  });

  it("rejects an unknown order at the call", async () => {
    const l = ledger();
    const wf = workflow.stamped(stamp("bad-order"))("trip.bad", { version: 1 }, async () => {
      try {
        await compensateAll.at("compensateAll:#0")({ order: "fifo" as never });
        return "accepted";
      } catch (e) {
        return (e as { code?: string }).code;
      }
    });
    const env = await createTestEnvironment({ workflows: [wf], activities: l.activities });
    expect(await (await env.client.start(wf, undefined)).result()).toBe(ErrorCode.InvalidArgument);
    await env.close();
  });
});

describe("sagas: compensations are activities", () => {
  it("a compensation is retried, journaled once, and runs once per run even when every step replays", async () => {
    const l = ledger();
    l.failingRelease.set("hotel", 2);
    // compensate(result) names the call by the object it returned.
    const reserve = defineActivity("saga.reserve", async (what: string) => {
      l.attempts.push(`book:${what}`);
      return { ref: `${what}-ref` };
    });
    const wf = workflow.stamped(stamp("retry-undo"))("trip.retry", { version: 1 }, async () => {
      const hotel = await activity.at("activity:reserve#0")(reserve, "hotel", {
        compensate: [l.release, "hotel"],
      });
      await compensate.at("compensate:#0")(hotel);
      return "undone";
    });
    // cacheSize 0: every step rebuilds the run by replay; paranoid: every step is replayed again.
    const env = await createTestEnvironment({
      workflows: [wf],
      activities: [...l.activities, reserve],
      cacheSize: 0,
      paranoid: true,
    });
    const run = await env.client.start(wf, undefined);
    expect(await run.result()).toBe("undone");
    expect(l.attempts).toEqual(["book:hotel", "release:hotel#1", "release:hotel#2", "release:hotel#3"]);
    expect([...l.effects.entries()]).toEqual([[`${run.runId}:compensate:#0@0`, "hotel"]]);
    const history = await env.client.history(run.runId);
    expect(
      history.filter((e) => e.kind === "activity_completed" && e.identity === "compensate:#0@0"),
    ).toHaveLength(1);
    await env.close();
  });

  it("compensates in a catch block after a signal wait timed out", async () => {
    const l = ledger();
    const wf = workflow.stamped(stamp("signal-timeout"))("trip.approval", { version: 1 }, async () => {
      await activity.at("activity:book#0")(l.book, "flight", { compensate: [l.release, "flight"] });
      await activity.at("activity:book#0")(l.book, "hotel", { compensate: [l.release, "hotel"] });
      const approval = await signal.at("signal:approve#0")<boolean>("approve", { timeout: hours(24) });
      if (isTimeout(approval)) {
        try {
          throw new Error("approval timed out");
        } catch {
          await compensateAll.at("compensateAll:#0")();
          return "expired";
        }
      }
      return "approved";
    });
    const env = await createTestEnvironment({ workflows: [wf], activities: l.activities, paranoid: true });
    const run = await env.client.start(wf, undefined);
    expect(await run.result()).toBe("expired");
    expect(scheduled(await env.client.history(run.runId)).slice(-2)).toEqual([
      'compensateAll:#0@0 saga.release ["hotel"]',
      'compensateAll:#0@1 saga.release ["flight"]',
    ]);
    await env.close();
  });
});

describe("sagas: edge cases", () => {
  it("compensate(primitive) is refused (equal values cannot tell calls apart); objects name their call", async () => {
    const l = ledger();
    const sameWord = defineActivity("saga.same", async (_what: string) => "ok");
    const sameShape = defineActivity("saga.sameShape", async (_what: string) => ({ ok: true }));
    const wf = workflow.stamped(stamp("primitive"))("trip.primitive", { version: 1 }, async () => {
      const hotel = await activity.at("activity:same#0")(sameWord, "hotel", {
        compensate: [l.release, "hotel"],
      });
      await activity.at("activity:same#0")(sameWord, "car", { compensate: [l.release, "car"] });
      let refused = "";
      try {
        await compensate.at("compensate:#0")(hotel as never);
      } catch (error) {
        refused = (error as { code?: string }).code ?? String(error);
      }
      const flight = await activity.at("activity:sameShape#0")(sameShape, "flight", {
        compensate: [l.release, "flight"],
      });
      await activity.at("activity:sameShape#0")(sameShape, "train", { compensate: [l.release, "train"] });
      await compensate.at("compensate:#1")(flight); // equal to the train's result, but not the same object
      return refused;
    });
    const env = await createTestEnvironment({
      workflows: [wf],
      activities: [...l.activities, sameWord, sameShape],
      paranoid: true,
    });
    expect(await (await env.client.start(wf, undefined)).result()).toBe(ErrorCode.InvalidArgument);
    expect([...l.effects.values()]).toEqual(["flight"]);
    await env.close();
  });

  it("a queued call cut off by a cancellation never starts; the completed ones are undone (onCancel)", async () => {
    const l = ledger();
    const wf = workflow.stamped(stamp("orphan"))(
      "trip.orphan",
      { version: 1, onCancel: "compensate" },
      async () => {
        await activity.at("activity:book#0")(l.book, "flight", { compensate: [l.release, "flight"] });
        await activity.at("activity:book#1")(l.book, "hotel", { compensate: [l.release, "hotel"] });
        return "booked";
      },
    );
    const env = await createTestEnvironment({ workflows: [wf], activities: l.activities, paranoid: true });
    const run = await env.client.start(wf, undefined);
    // Cancel while the hotel booking is queued: the cancelling step withdraws its task.
    env.events.on("activity.scheduled", (event) => {
      if (event.identity === "activity:book#1@0") void env.client.cancel(run.runId, "too late");
    });
    expect((await env.waitFor(run.runId, "cancelled")).status).toBe("cancelled");
    const booked = l.attempts.filter((a) => a.startsWith("book:"));
    // Saga invariant either way: a hotel booked (its attempt had started) is released too.
    expect(booked[0]).toBe("book:flight");
    expect([...l.effects.values()].sort()).toEqual(booked.map((b) => b.slice("book:".length)).sort());
    await env.close();
  });

  it("a run that recorded another patch at the same identity drifts instead of taking this patch's path", async () => {
    const RETRY_FIX = "retry-fix";
    const NEW_PRICING = "new-pricing";
    const l = ledger();
    const body = (patchId: string) => async () => {
      const taken = patched.at("patched:expr#0")(patchId);
      await activity.at("activity:book#0")(l.book, taken ? patchId : "old");
      return taken;
    };
    const v1 = workflow.stamped(stamp("patch-ids"))("trip.patchIds", { version: 1 }, body(RETRY_FIX));
    const v2 = workflow.stamped(stamp("patch-ids"))("trip.patchIds", { version: 1 }, body(NEW_PRICING));
    const env = await createTestEnvironment({ workflows: [v1], activities: l.activities });
    const run = await env.client.start(v1, undefined);
    expect(await run.result()).toBe(true);
    const history = await env.client.history(run.runId);
    await replayHistory(v1, history);
    await expect(replayHistory(v2, history)).rejects.toMatchObject({ code: ErrorCode.ReplayDrift });
    await env.close();
  });
});
