import {
  ActivityFailure,
  activity,
  compensate,
  compensateAll,
  isTimeout,
  signal,
  workflow,
} from "@continuum/core";
import * as fulfillment from "./activities/fulfillment.ts";
import * as payments from "./activities/payments.ts";
import * as validation from "./activities/validation.ts";
import type { FraudReview, OrderInput, OrderResult } from "./order-types.ts";

/**
 * Validate, charge (recording the refund as the charge's compensation), wait for the fraud
 * review, then ship; undo the charge when the review rejects the order, never comes, or the
 * order turns out to be undeliverable.
 */
export const orderFlow = workflow(
  "order",
  { version: 1 },
  async ({ orderId, items, reviewTimeoutMs }: OrderInput): Promise<OrderResult> => {
    const validated = await activity(validation.check, [...items]);
    const receipt = await activity(payments.charge, orderId, validated.total, {
      compensate: [payments.refund, orderId],
    });
    const review = await signal<FraudReview>("fraud_review", { timeout: reviewTimeoutMs });
    if (isTimeout(review) || review === "rejected") {
      await compensate(receipt);
      return {
        orderId,
        status: "refunded",
        reason: isTimeout(review) ? "review_timed_out" : "fraud_rejected",
      };
    }
    try {
      const shipment = await activity(fulfillment.ship, orderId, [...items]);
      return { orderId, status: "shipped", trackingId: shipment.trackingId };
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      await compensateAll();
      return { orderId, status: "refunded", reason: "shipping_failed" };
    }
  },
);
