import { describe, expect, it } from "vitest";
import { ReplayDriftError } from "../errors/replay-errors.ts";
import { activity, defineActivity, deprecatePatch, patched, signal, workflow } from "../workflow/index.ts";
import { EngineSimulator, resolve, testStamp } from "./test-support/engine-simulator.ts";

const charge = defineActivity("charge", async (id: string) => `c-${id}`);
const receipt = defineActivity("receipt", async (id: string) => `r-${id}`);
const ship = defineActivity("ship", async (id: string) => `s-${id}`);
const define = workflow.stamped(testStamp(["patching"]));

const v1 = define("order", { version: 1 }, async (id: string) => {
  await activity.at("activity:charge#0")(charge, id);
  return activity.at("activity:ship#0")(ship, id);
});

const v2 = define("order", { version: 2 }, async (id: string) => {
  await activity.at("activity:charge#0")(charge, id);
  if (patched.at("patched:send-receipt#0")("send-receipt"))
    await activity.at("activity:receipt#0")(receipt, id);
  return activity.at("activity:ship#0")(ship, id);
});

const v3 = define("order", { version: 3 }, async (id: string) => {
  await activity.at("activity:charge#0")(charge, id);
  deprecatePatch.at("deprecatePatch:send-receipt#0")("send-receipt");
  await activity.at("activity:receipt#0")(receipt, id);
  return activity.at("activity:ship#0")(ship, id);
});

describe("patched() and deprecatePatch()", () => {
  it("a run that passed the patch point with old code keeps the old path on replay", async () => {
    const old = await EngineSimulator.start(v1, "o1");
    await old.step([resolve.completed("activity:charge#0@0", "c")]);
    // The patched code replays the old history without drift, and continues on the old path.
    const execution = await old.replay(v2);
    const end = await execution.step({ now: 1, deliveries: [resolve.completed("activity:ship#0@0", "s")] });
    expect(end.outcome).toEqual({ kind: "complete_run", result: "s" });
  });

  it("a new run records the marker and takes the new path; the marker replays", async () => {
    const fresh = await EngineSimulator.start(v2, "o2");
    await fresh.step([resolve.completed("activity:charge#0@0", "c")]);
    expect(fresh.history.slice(-2)).toMatchObject([
      { kind: "value_recorded", identity: "patched:send-receipt#0@0", value: "send-receipt" },
      { kind: "activity_scheduled", activityName: "receipt" },
    ]);
    expect((await fresh.replay(v2)).lastSeq).toBe(fresh.history.length);
    // Without patched(), the marker is a recorded effect the code no longer issues: drift.
    await expect(fresh.replay(v1)).rejects.toBeInstanceOf(ReplayDriftError);
    // deprecatePatch() accepts it.
    const execution = await fresh.replay(v3);
    await execution.step({ now: 1, deliveries: [resolve.completed("activity:receipt#0@0", "r")] });
    const end = await execution.step({ now: 2, deliveries: [resolve.completed("activity:ship#0@0", "s")] });
    expect(end.outcome).toEqual({ kind: "complete_run", result: "s" });
  });

  it("after deprecation, new runs record no marker", async () => {
    const fresh = await EngineSimulator.start(v3, "o3");
    await fresh.step([resolve.completed("activity:charge#0@0", "c")]);
    expect(fresh.history.map((e) => e.kind)).toEqual([
      "run_started",
      "activity_scheduled",
      "activity_completed",
      "activity_scheduled",
    ]);
    expect((await fresh.replay(v3)).lastSeq).toBe(4);
  });
});

describe("a patch marker replaced by another patch at the same identity (review finding 7)", () => {
  // Patch ids held in constants: the transformer's cursor target is then "expr" (SPEC section 2),
  // so the identity alone no longer tells the patches apart; the recorded marker's value does.
  const RETRY_FIX = "retry-fix";
  const NEW_PRICING = "new-pricing";
  const before = workflow.stamped(testStamp(["patched:expr#0", "signal:go#0"]))(
    "review.patch",
    { version: 1 },
    async () => {
      const fixed = patched.at("patched:expr#0")(RETRY_FIX);
      await signal.at("signal:go#0")("go");
      return fixed ? "retry-fix path" : "old path";
    },
  );
  // A later build replaced that patch by another one at the same place.
  const after = workflow.stamped(testStamp(["patched:expr#0", "signal:go#0"]))(
    "review.patch",
    { version: 1 },
    async () => {
      const pricing = patched.at("patched:expr#0")(NEW_PRICING);
      await signal.at("signal:go#0")("go");
      return pricing ? "new-pricing path" : "old path";
    },
  );

  it("a run that recorded patch A does not take patch B's path on replay", async () => {
    const sim = await EngineSimulator.start(before, undefined); // journals value_recorded(patched:expr#0@0 = "retry-fix")
    let outcome: string;
    try {
      const execution = await sim.replay(after);
      const done = await execution.step({ now: sim.clock, deliveries: [resolve.signal("go", 1)] });
      outcome = JSON.stringify(done.outcome);
    } catch (error) {
      outcome = (error as Error).name;
    }
    // Either drift, or the run keeps the path it recorded (it never ran with new-pricing).
    expect(["ReplayDriftError", JSON.stringify({ kind: "complete_run", result: "old path" })]).toContain(
      outcome,
    );
    const drift = await sim.replay(after).then(
      () => undefined,
      (e: unknown) => e as ReplayDriftError,
    );
    expect(drift?.data).toMatchObject({
      drift: "changed",
      recorded: { effect: 'patched("retry-fix")', identity: "patched:expr#0@0" },
      current: { effect: 'patched("new-pricing")', identity: "patched:expr#0@0" },
    });
    // The code that recorded it still replays, and takes its path.
    const same = await sim.replay(before);
    expect((await same.step({ now: sim.clock, deliveries: [resolve.signal("go", 1)] })).outcome).toEqual({
      kind: "complete_run",
      result: "retry-fix path",
    });
  });
});
