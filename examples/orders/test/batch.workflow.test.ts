import { describe, expect, it } from "vitest";
import { createTestEnvironment } from "@continuum/core/testing";
import * as fulfillment from "../src/activities/fulfillment.ts";
import * as payments from "../src/activities/payments.ts";
import * as validation from "../src/activities/validation.ts";
import { batchFlow } from "../src/batch.workflow.ts";
import { orderFlow } from "../src/order.workflow.ts";

const activities = [validation.check, payments.charge, payments.refund, fulfillment.ship];
const order = (orderId: string) => ({
  orderId,
  items: [{ sku: "sku-mug", quantity: 1 }],
  reviewTimeoutMs: 3_600_000,
});

describe("batch flow (example): orders as child workflows", () => {
  it("runs each order as a child with its own id and sums up how they ended", async () => {
    const env = await createTestEnvironment({
      workflows: [batchFlow, orderFlow],
      activities,
      paranoid: true,
    });
    const batch = await env.client.start(batchFlow, {
      batchId: "b-1",
      orders: [order("o-1"), order("o-2"), order("o-3")],
    });
    await env.settle();
    const children = await Promise.all(
      ["o-1", "o-2", "o-3"].map((id) => env.client.describeWorkflow(`order-${id}`)),
    );
    expect(children.map((child) => child?.status)).toEqual(["running", "running", "running"]);
    await env.sendSignal(children[0]!.runId, "fraud_review", "approved");
    await env.sendSignal(children[1]!.runId, "fraud_review", "rejected");
    // o-3 gets no answer: its one-hour review timeout is skipped by the test clock.
    expect(await batch.result()).toEqual({
      batchId: "b-1",
      shipped: 1,
      refunded: 2,
      results: [
        { orderId: "o-1", status: "shipped", trackingId: "TRK-O-1" },
        { orderId: "o-2", status: "refunded", reason: "fraud_rejected" },
        { orderId: "o-3", status: "refunded", reason: "review_timed_out" },
      ],
    });
  });

  it("cancelling the batch cancels its running orders", async () => {
    const env = await createTestEnvironment({ workflows: [batchFlow, orderFlow], activities });
    const batch = await env.client.start(batchFlow, { batchId: "b-2", orders: [order("o-7"), order("o-8")] });
    await env.settle();
    await env.client.cancel(batch.runId, "customer withdrew the batch");
    await expect(batch.result()).rejects.toMatchObject({ code: "CTM_CANCELLED" });
    const children = await Promise.all(
      ["o-7", "o-8"].map((id) => env.client.describeWorkflow(`order-${id}`)),
    );
    expect(children.map((child) => child?.status)).toEqual(["cancelled", "cancelled"]);
  });
});
