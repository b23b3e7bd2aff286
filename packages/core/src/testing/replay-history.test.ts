import { describe, expect, it } from "vitest";
import { activity, hours, isTimeout, signal, workflow } from "../workflow/index.ts";
import { ReplayDriftError } from "../errors/replay-errors.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { createTestEnvironment, replayHistory } from "./index.ts";
import {
  fulfillment,
  orderActivities,
  orderCursors,
  orderFlow,
  payments,
  sampleOrder,
  validation,
} from "./test-support/order-fixture.ts";

/** Records golden histories the way a user would: run the flow, take client.history(). */
async function goldenHistory(review: "approved" | "rejected" | "pending") {
  const env = await createTestEnvironment({ workflows: [orderFlow], activities: orderActivities });
  const run = await env.client.start(orderFlow, sampleOrder);
  if (review !== "pending") {
    await env.sendSignal(run.runId, "fraud_review", review);
    await run.result();
  } else {
    await env.settle();
  }
  return env.client.history(run.runId);
}

describe("replayHistory (golden histories)", () => {
  it("accepts the history of a finished run and of a run still waiting, against the same code", async () => {
    await expect(replayHistory(orderFlow, await goldenHistory("approved"))).resolves.toBeUndefined();
    await expect(replayHistory(orderFlow, await goldenHistory("rejected"))).resolves.toBeUndefined();
    await expect(replayHistory(orderFlow, await goldenHistory("pending"))).resolves.toBeUndefined();
  });

  it("survives a JSON round trip, as a checked-in golden file would", async () => {
    const history = JSON.parse(JSON.stringify(await goldenHistory("approved")));
    await expect(replayHistory(orderFlow, history)).resolves.toBeUndefined();
  });

  it("throws ReplayDriftError when the new code reorders effects", async () => {
    const history = await goldenHistory("approved");
    // v2 asks for the review before charging: runs recorded by v1 cannot be replayed by it.
    const reordered = workflow.stamped({
      format: 1,
      versionHash: "order-v2",
      cursors: orderCursors,
      file: "test/order.workflow.ts",
      line: 1,
    })("order", { version: 2 }, async ({ orderId, items }: typeof sampleOrder) => {
      const validated = await activity.at("activity:validation.check#0")(validation.check, items);
      const review = await signal.at("signal:fraud_review#0")<"approved" | "rejected">("fraud_review", {
        timeout: hours(24),
      });
      const receipt = await activity.at("activity:payments.charge#0")(
        payments.charge,
        orderId,
        validated.total,
        0,
      );
      if (isTimeout(review) || review === "rejected") return { status: "refunded" };
      await activity.at("activity:fulfillment.ship#0")(fulfillment.ship, orderId);
      return { status: "shipped", chargeId: receipt.chargeId };
    });
    const error = await replayHistory(reordered, history).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplayDriftError);
    expect((error as ReplayDriftError).code).toBe(ErrorCode.ReplayDrift);
  });

  it("throws ReplayDriftError when the new code issues an effect the waiting run never recorded", async () => {
    const history = await goldenHistory("pending");
    const extra = workflow.stamped({
      format: 1,
      versionHash: "order-v3",
      cursors: orderCursors,
      file: "test/order.workflow.ts",
      line: 1,
    })("order", { version: 3 }, async ({ orderId, items }: typeof sampleOrder) => {
      const validated = await activity.at("activity:validation.check#0")(validation.check, items);
      await activity.at("activity:payments.charge#0")(payments.charge, orderId, validated.total, 0);
      await activity.at("activity:fulfillment.ship#0")(fulfillment.ship, orderId); // new: ships before the review
      return signal.at("signal:fraud_review#0")<string>("fraud_review", { timeout: hours(24) });
    });
    await expect(replayHistory(extra, history)).rejects.toBeInstanceOf(ReplayDriftError);
  });

  it("throws ReplayDriftError (added) when the code goes past the end of the recorded history", async () => {
    // A history cut before its last command: the code issues the review wait the history lacks.
    const history = (await goldenHistory("pending")).slice(0, -1);
    const error = await replayHistory(orderFlow, history).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplayDriftError);
    expect((error as ReplayDriftError).data).toMatchObject({
      drift: "added",
      current: {
        effect: 'signal wait for "fraud_review" with a timeout',
        identity: "signal:fraud_review#0@0",
      },
    });
  });
});
