import { describe, expect, it } from "vitest";
import { createTestEnvironment } from "@continuum/core/testing";
import * as fulfillment from "../src/activities/fulfillment.ts";
import * as payments from "../src/activities/payments.ts";
import * as validation from "../src/activities/validation.ts";
import { orderFlow } from "../src/order.workflow.ts";

const activities = [validation.check, payments.charge, payments.refund, fulfillment.ship];
const order = (orderId: string, reviewTimeoutMs = 60_000) => ({
  orderId,
  items: [{ sku: "sku-book", quantity: 2 }],
  reviewTimeoutMs,
});

describe("order flow (example)", () => {
  it("ships an approved order, after the charge's transient failures", async () => {
    expect(payments.transientFailuresFor("o-1001")).toBeGreaterThan(0);
    const env = await createTestEnvironment({ workflows: [orderFlow], activities, paranoid: true });
    const retries: number[] = [];
    env.events.on("activity.retried", (e) => retries.push(e.delayMs));
    const run = await env.client.start(orderFlow, order("o-1001"));
    await env.settle();
    await env.sendSignal(run.runId, "fraud_review", "approved");
    expect(await run.result()).toEqual({ orderId: "o-1001", status: "shipped", trackingId: "TRK-O-1001" });
    expect(retries).toEqual([200, 400].slice(0, payments.transientFailuresFor("o-1001")));
  });

  it("refunds a rejected order and an order whose review never comes", async () => {
    const env = await createTestEnvironment({ workflows: [orderFlow], activities });
    const rejected = await env.client.start(orderFlow, order("o-1003"));
    await env.sendSignal(rejected.runId, "fraud_review", "rejected");
    expect(await rejected.result()).toEqual({
      orderId: "o-1003",
      status: "refunded",
      reason: "fraud_rejected",
    });
    const silent = await env.client.start(orderFlow, order("o-1004", 24 * 3600_000));
    const before = env.now();
    expect(await silent.result()).toEqual({
      orderId: "o-1004",
      status: "refunded",
      reason: "review_timed_out",
    });
    expect(env.now() - before).toBeGreaterThanOrEqual(24 * 3600_000);
  });

  it("fails an order with an unknown SKU at once (not retried)", async () => {
    const env = await createTestEnvironment({ workflows: [orderFlow], activities });
    const run = await env.client.start(orderFlow, {
      orderId: "o-9",
      items: [{ sku: "sku-unicorn", quantity: 1 }],
      reviewTimeoutMs: 1_000,
    });
    await expect(run.result()).rejects.toMatchObject({ code: "CTM_WORKFLOW_FAILED" });
  });
});

describe("order flow (example): compensation", () => {
  it("undoes the charge once when an approved order cannot be shipped", async () => {
    const env = await createTestEnvironment({ workflows: [orderFlow], activities, paranoid: true });
    const refunds: string[] = [];
    env.events.on("activity.completed", (e) => {
      if (e.activityName === "payments.refund") refunds.push(e.runId);
    });
    const run = await env.client.start(orderFlow, {
      orderId: "o-77",
      items: [{ sku: "sku-piano", quantity: 1 }],
      reviewTimeoutMs: 60_000,
    });
    await env.settle();
    await env.sendSignal(run.runId, "fraud_review", "approved");
    expect(await run.result()).toEqual({ orderId: "o-77", status: "refunded", reason: "shipping_failed" });
    expect(refunds).toEqual([run.runId]);
    const scheduled = (await env.client.history(run.runId))
      .filter((e) => e.kind === "activity_scheduled")
      .map((e) => ("activityName" in e ? e.activityName : ""));
    expect(scheduled).toEqual(["validation.check", "payments.charge", "fulfillment.ship", "payments.refund"]);
  });
});
