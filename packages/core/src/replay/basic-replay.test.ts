import { describe, expect, it } from "vitest";
import { activity, defineActivity, sleep, workflow } from "../workflow/index.ts";
import { EngineSimulator, resolve, testStamp } from "./test-support/engine-simulator.ts";

const charge = defineActivity(
  "payments.charge",
  async (orderId: string, total: number) => `receipt-${orderId}-${total}`,
);
const ship = defineActivity("shipping.ship", async (receipt: string) => receipt.length);

const order = workflow.stamped(
  testStamp(["activity:payments.charge#0", "sleep:#0", "activity:shipping.ship#0"]),
)("order", { version: 1 }, async (input: { orderId: string }) => {
  const receipt = await activity.at("activity:payments.charge#0")(charge, input.orderId, 42);
  await sleep.at("sleep:#0")(1000);
  const shipped = await activity.at("activity:shipping.ship#0")(ship, receipt);
  return { receipt, shipped };
});

describe("a sequential workflow", () => {
  it("issues each effect when the previous one resolves and completes with the result", async () => {
    const sim = await EngineSimulator.start(order, { orderId: "o1" });
    expect(sim.history.map((e) => e.kind)).toEqual(["run_started", "activity_scheduled"]);
    const first = sim.history[1];
    expect(first).toMatchObject({
      identity: "activity:payments.charge#0@0",
      activityName: "payments.charge",
      args: ["o1", 42],
    });
    await sim.step([resolve.completed("activity:payments.charge#0@0", "r-1")]);
    expect(sim.history.at(-1)).toMatchObject({
      kind: "timer_started",
      identity: "sleep:#0@0",
      delayMs: 1000,
    });
    await sim.step([resolve.fired("sleep:#0@0")]);
    const last = await sim.step([resolve.completed("activity:shipping.ship#0@0", 3)]);
    expect(last.outcome).toEqual({ kind: "complete_run", result: { receipt: "r-1", shipped: 3 } });
    expect(last.events.at(-1)).toEqual({ kind: "run_completed", result: { receipt: "r-1", shipped: 3 } });
    expect(sim.execution?.finished).toBe(true);
    expect(sim.execution?.lastSeq).toBe(sim.history.length);

    const replayed = await sim.replay();
    expect(replayed.finished).toBe(true);
  });
});
