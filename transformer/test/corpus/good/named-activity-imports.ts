import { activity, workflow } from "@continuum/core";
import { charge, refund } from "../support/activities.ts";

export const chargeOrRefund = workflow("charge-or-refund", { version: 1 }, async (input: { orderId: string; refund: boolean }) => {
  if (input.refund) return activity(refund, input.orderId);
  return activity(charge, input.orderId, 999, { compensate: [refund, input.orderId] });
});
