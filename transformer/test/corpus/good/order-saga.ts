import { activity, compensate, hours, signal, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const orderSaga = workflow("order-saga", { version: 1 }, async (input: { orderId: string; cents: number; address: string }) => {
  const receipt = await activity(acts.charge, input.orderId, input.cents, { compensate: [acts.refund, input.orderId] });
  const review = await signal<"approved" | "rejected">("fraud_review", { timeout: hours(24) });
  if (review === "rejected") {
    await compensate(receipt);
    return { status: "rejected" as const };
  }
  const shipped = await activity(acts.ship, input.orderId, input.address);
  return { status: "shipped" as const, trackingId: shipped.trackingId };
});
