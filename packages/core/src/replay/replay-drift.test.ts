import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { ReplayDriftError } from "../errors/replay-errors.ts";
import { activity, defineActivity, now, patched, signal, sleep, workflow } from "../workflow/index.ts";
import type { AnyWorkflowDefinition } from "../workflow/index.ts";
import { EngineSimulator, resolve, testStamp } from "./test-support/engine-simulator.ts";

const charge = defineActivity("payments.charge", async (orderId: string) => `r-${orderId}`);
const refund = defineActivity("payments.refund", async (orderId: string) => `u-${orderId}`);
const audit = defineActivity("audit.record", async (orderId: string) => orderId.length);
const ship = defineActivity("shipping.ship", async (orderId: string) => `s-${orderId}`);
// The same activity name under another definition: what a changed import would look like.
const chargeElsewhere = defineActivity("payments.charge.v2", async (orderId: string) => `r2-${orderId}`);

const v1Cursors = [
  "activity:payments.charge#0",
  "activity:audit.record#0",
  "sleep:#0",
  "activity:shipping.ship#0",
];
const v1 = workflow.stamped(testStamp(v1Cursors, "src/order.workflow.ts", 10))(
  "order",
  { version: 1 },
  async (orderId: string) => {
    await Promise.all([
      activity.at("activity:payments.charge#0")(charge, orderId),
      activity.at("activity:audit.record#0")(audit, orderId),
    ]);
    await sleep.at("sleep:#0")(1_000);
    return activity.at("activity:shipping.ship#0")(ship, orderId);
  },
);

/** Runs v1 up to and including the timer, so the history has commands after a delivery. */
async function historyOfV1(): Promise<EngineSimulator> {
  const sim = await EngineSimulator.start(v1, "o-1", { runId: "run-drift" });
  await sim.step([
    resolve.completed("activity:payments.charge#0@0", "r-o-1"),
    resolve.completed("activity:audit.record#0@0", 3),
  ]);
  await sim.step([resolve.fired("sleep:#0@0")]);
  return sim;
}

async function driftOf(sim: EngineSimulator, code: AnyWorkflowDefinition): Promise<ReplayDriftError> {
  const error = await sim.replay(code).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReplayDriftError);
  const drift = error as ReplayDriftError;
  expect(drift.code).toBe(ErrorCode.ReplayDrift);
  expect(drift.message).toContain("run-drift");
  expect(drift.message).toContain('"order"');
  expect(drift.hint.length).toBeGreaterThan(20);
  return drift;
}

function variant(cursors: string[], body: (orderId: string) => Promise<unknown>) {
  return workflow.stamped(testStamp(cursors, "src/order.workflow.ts", 10))("order", { version: 2 }, body);
}

describe("replay drift", () => {
  it("the unchanged code replays the history without drift", async () => {
    const sim = await historyOfV1();
    const execution = await sim.replay(v1);
    const end = await execution.step({
      now: 1,
      deliveries: [resolve.completed("activity:shipping.ship#0@0", "s-o-1")],
    });
    expect(end.outcome).toEqual({ kind: "complete_run", result: "s-o-1" });
  });

  it("reordered effects: names the recorded and the current effect, with locations", async () => {
    const sim = await historyOfV1();
    const reordered = variant(v1Cursors, async (orderId) => {
      await Promise.all([
        activity.at("activity:audit.record#0")(audit, orderId),
        activity.at("activity:payments.charge#0")(charge, orderId),
      ]);
      await sleep.at("sleep:#0")(1_000);
      return activity.at("activity:shipping.ship#0")(ship, orderId);
    });
    const drift = await driftOf(sim, reordered);
    expect(drift.data).toMatchObject({
      drift: "changed",
      recorded: { effect: "activity payments.charge", identity: "activity:payments.charge#0@0", seq: 2 },
      current: { effect: "activity audit.record", identity: "activity:audit.record#0@0" },
    });
    expect(drift.data.recorded?.location).toContain("src/order.workflow.ts:10");
    expect(drift.data.recorded?.location).toContain("effect 1 of 4");
    // The current side points at the line of this test file that makes the call.
    expect(drift.data.current?.location).toMatch(/^called at .*replay-drift\.test\.ts:\d+:\d+$/);
    expect(drift.message).toContain(
      "recorded: activity payments.charge [activity:payments.charge#0@0] (seq 2)",
    );
    expect(drift.message).toContain("code now: activity audit.record [activity:audit.record#0@0]");
  });

  it("a removed effect that is no longer issued before the next delivery", async () => {
    const sim = await historyOfV1();
    const cursors = ["activity:payments.charge#0", "sleep:#0", "activity:shipping.ship#0"];
    const removed = variant(cursors, async (orderId) => {
      await activity.at("activity:payments.charge#0")(charge, orderId);
      await sleep.at("sleep:#0")(1_000);
      return activity.at("activity:shipping.ship#0")(ship, orderId);
    });
    const drift = await driftOf(sim, removed);
    expect(drift.data).toMatchObject({
      drift: "removed",
      recorded: { effect: "activity audit.record", identity: "activity:audit.record#0@0", seq: 3 },
    });
    expect(drift.data.current).toBeUndefined();
    expect(drift.data.recorded?.location).toContain(
      "no longer called by the workflow at src/order.workflow.ts:10",
    );
  });

  it("a removed effect at the end: the code finishes where the history goes on", async () => {
    const sim = await historyOfV1();
    const shortened = variant(["activity:payments.charge#0", "activity:audit.record#0"], async (orderId) => {
      await Promise.all([
        activity.at("activity:payments.charge#0")(charge, orderId),
        activity.at("activity:audit.record#0")(audit, orderId),
      ]);
      return "done early";
    });
    const drift = await driftOf(sim, shortened);
    expect(drift.data).toMatchObject({
      drift: "removed",
      recorded: { effect: "timer of 1000 ms", identity: "sleep:#0@0" },
    });
  });

  it("an added effect where the history has a delivery next", async () => {
    const sim = await historyOfV1();
    const cursors = [...v1Cursors, "signal:approve#0"];
    const added = variant(cursors, async (orderId) => {
      await Promise.all([
        activity.at("activity:payments.charge#0")(charge, orderId),
        activity.at("activity:audit.record#0")(audit, orderId),
        signal.at("signal:approve#0")("approve"),
      ]);
      return "never";
    });
    const drift = await driftOf(sim, added);
    expect(drift.data).toMatchObject({
      drift: "added",
      recorded: { effect: "no new effect before activity_completed", seq: 4 },
      current: { effect: 'signal wait for "approve"', identity: "signal:approve#0@0" },
    });
  });

  it("a retargeted effect: another activity at a call site", async () => {
    const sim = await historyOfV1();
    const cursors = [
      "activity:payments.refund#0",
      "activity:audit.record#0",
      "sleep:#0",
      "activity:shipping.ship#0",
    ];
    const retargeted = variant(cursors, async (orderId) => {
      await Promise.all([
        activity.at("activity:payments.refund#0")(refund, orderId),
        activity.at("activity:audit.record#0")(audit, orderId),
      ]);
      return "x";
    });
    const drift = await driftOf(sim, retargeted);
    expect(drift.data).toMatchObject({
      drift: "changed",
      recorded: { effect: "activity payments.charge", identity: "activity:payments.charge#0@0" },
      current: { effect: "activity payments.refund", identity: "activity:payments.refund#0@0" },
    });
  });

  it("a retargeted effect under the same identity (the import now names another activity)", async () => {
    const sim = await historyOfV1();
    const retargeted = variant(v1Cursors, async (orderId) => {
      await Promise.all([
        activity.at("activity:payments.charge#0")(chargeElsewhere, orderId),
        activity.at("activity:audit.record#0")(audit, orderId),
      ]);
      return "x";
    });
    const drift = await driftOf(sim, retargeted);
    expect(drift.data).toMatchObject({
      drift: "changed",
      recorded: { effect: "activity payments.charge", identity: "activity:payments.charge#0@0" },
      current: { effect: "activity payments.charge.v2", identity: "activity:payments.charge#0@0" },
    });
  });

  it("a workflow that no longer ends the way the history says", async () => {
    const sim = await historyOfV1();
    await sim.step([resolve.completed("activity:shipping.ship#0@0", "s-o-1")]);
    expect(sim.outcome?.kind).toBe("complete_run");
    const waiting = variant([...v1Cursors, "signal:more#0"], async (orderId) => {
      await Promise.all([
        activity.at("activity:payments.charge#0")(charge, orderId),
        activity.at("activity:audit.record#0")(audit, orderId),
      ]);
      await sleep.at("sleep:#0")(1_000);
      await activity.at("activity:shipping.ship#0")(ship, orderId);
      throw new Error("now it fails");
    });
    const drift = await driftOf(sim, waiting);
    expect(drift.data).toMatchObject({
      drift: "outcome",
      recorded: { effect: "run_completed" },
      current: { effect: "run_failed" },
    });
  });

  it("a workflow that returns another result than the recorded one", async () => {
    const sim = await historyOfV1();
    await sim.step([resolve.completed("activity:shipping.ship#0@0", "s-o-1")]);
    const other = variant(v1Cursors, async (orderId) => {
      await Promise.all([
        activity.at("activity:payments.charge#0")(charge, orderId),
        activity.at("activity:audit.record#0")(audit, orderId),
      ]);
      await sleep.at("sleep:#0")(1_000);
      return `${await activity.at("activity:shipping.ship#0")(ship, orderId)} (changed)`;
    });
    const drift = await driftOf(sim, other);
    expect(drift.data).toMatchObject({
      drift: "outcome",
      recorded: { effect: "run_completed" },
      current: { effect: "run_completed with another result" },
    });
  });

  it("drift cannot be swallowed by the workflow's own try/catch", async () => {
    const sim = await historyOfV1();
    const swallowing = variant(v1Cursors, async (orderId) => {
      try {
        await activity.at("activity:shipping.ship#0")(ship, orderId);
      } catch {
        // a workflow that catches everything still cannot hide drift
      }
      return "swallowed";
    });
    const drift = await driftOf(sim, swallowing);
    expect(drift.data.drift).toBe("changed");
  });
});

describe("drift at the end of the history (review finding 8)", () => {
  const reserve = defineActivity("drift.reserve", async (n: number) => n);
  const pay = defineActivity("drift.charge", async (n: number) => n);

  it("an effect added to a turn whose commands are all journaled is drift, not a new command", async () => {
    // v1 schedules reserve alone; new code (e.g. a version that `replaces` v1's hash, so it
    // replays v1 runs) schedules reserve and charge together in the same turn.
    const endV1 = workflow.stamped(testStamp(["activity:reserve#0"]))(
      "drift.end",
      { version: 1 },
      async () => {
        const [r] = await Promise.all([activity.at("activity:reserve#0")(reserve, 1)]);
        return r;
      },
    );
    const endV2 = workflow.stamped(testStamp(["activity:reserve#0", "activity:charge#0"]))(
      "drift.end",
      { version: 2 },
      async () => {
        const [r, c] = await Promise.all([
          activity.at("activity:reserve#0")(reserve, 1),
          activity.at("activity:charge#0")(pay, 1),
        ]);
        return r + c;
      },
    );
    const sim = await EngineSimulator.start(endV1, undefined); // history: run_started, activity_scheduled(reserve): step 1 is journaled whole
    let outcome: string;
    try {
      const execution = await sim.replay(endV2);
      const step = await execution.step({ now: sim.clock, deliveries: [] });
      outcome = `replayed; the step would journal ${JSON.stringify(step.events.map((e) => ("activityName" in e ? e.activityName : e.kind)))}`;
    } catch (error) {
      outcome = (error as Error).name;
    }
    expect(outcome).toBe("ReplayDriftError");
    const drift = await sim.replay(endV2).then(
      () => undefined,
      (e: unknown) => e as ReplayDriftError,
    );
    expect(drift?.data).toMatchObject({ drift: "added", current: { identity: "activity:charge#0@0" } });
  });

  it("the same holds for the last redelivered turn, and for recorded values", async () => {
    const before = workflow.stamped(testStamp(["sleep:#0"]))("drift.tail", { version: 1 }, async () => {
      await sleep.at("sleep:#0")(5);
      return signal.at("signal:go#0")<string>("go");
    });
    const sim = await EngineSimulator.start(before, undefined, { runId: "run-tail" });
    await sim.step([resolve.fired("sleep:#0@0")]); // journals timer_fired + signal_wait_started
    const addedActivity = workflow.stamped(testStamp(["sleep:#0", "activity:reserve#0"]))(
      "drift.tail",
      { version: 1 },
      async () => {
        await sleep.at("sleep:#0")(5);
        const [got] = await Promise.all([
          signal.at("signal:go#0")<string>("go"),
          activity.at("activity:reserve#0")(reserve, 1),
        ]);
        return got;
      },
    );
    const addedNow = workflow.stamped(testStamp(["sleep:#0", "now:#0"]))(
      "drift.tail",
      { version: 1 },
      async () => {
        await sleep.at("sleep:#0")(5);
        const got = signal.at("signal:go#0")<string>("go");
        now.at("now:#0")();
        return got;
      },
    );
    for (const code of [addedActivity, addedNow]) {
      await expect(sim.replay(code)).rejects.toMatchObject({
        code: ErrorCode.ReplayDrift,
        data: { drift: "added" },
      });
    }
    // The unchanged code resumes and keeps waiting; the first live turn may issue new commands.
    const resumed = await sim.replay(before);
    expect(
      (await resumed.step({ now: sim.clock, deliveries: [resolve.signal("go", "yes")] })).outcome,
    ).toEqual({ kind: "complete_run", result: "yes" });
  });

  it("a patch added at the end of a journaled turn takes the old path (no marker, no drift)", async () => {
    const old = workflow.stamped(testStamp(["signal:go#0"]))("drift.patch", { version: 1 }, async () =>
      signal.at("signal:go#0")<string>("go"),
    );
    const sim = await EngineSimulator.start(old, undefined, { runId: "run-patch" });
    const withPatch = workflow.stamped(testStamp(["signal:go#0", "patched:late#0"]))(
      "drift.patch",
      { version: 1 },
      async () => {
        const got = signal.at("signal:go#0")<string>("go");
        const late = patched.at("patched:late#0")("late");
        return `${await got}:${late ? "new" : "old"}`;
      },
    );
    const resumed = await sim.replay(withPatch);
    const done = await resumed.step({ now: sim.clock, deliveries: [resolve.signal("go", "yes")] });
    expect(done.outcome).toEqual({ kind: "complete_run", result: "yes:old" });
    expect(done.events.map((e) => e.kind)).toEqual(["signal_received", "run_completed"]);
  });

  it("code that now ends in a journaled turn where the recorded run went on waiting is drift 'outcome'", async () => {
    const started = defineActivity("drift.started", async () => "ok");
    const waitsOn = workflow.stamped(testStamp(["activity:started#0"]))(
      "drift.ends",
      { version: 1 },
      async () => {
        await activity.at("activity:started#0")(started);
        await new Promise<never>(() => {}); // waits without a command (like awaiting a started child's handle)
      },
    );
    const sim = await EngineSimulator.start(waitsOn, undefined, { runId: "run-ends" });
    await sim.step([resolve.completed("activity:started#0@0", "ok")]);
    const endsNow = workflow.stamped(testStamp(["activity:started#0"]))(
      "drift.ends",
      { version: 1 },
      async () => {
        await activity.at("activity:started#0")(started);
        return "done";
      },
    );
    await expect(sim.replay(endsNow)).rejects.toMatchObject({
      code: ErrorCode.ReplayDrift,
      data: { drift: "outcome", current: { effect: "run_completed" } },
    });
    expect((await sim.replay(waitsOn)).finished).toBe(false);
  });
});
