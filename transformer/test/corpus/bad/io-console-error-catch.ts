import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const safeCharge = workflow("safe-charge", { version: 1 }, async (orderId: string) => {
  try {
    return await activity(acts.charge, orderId, 500);
  } catch (error) {
    console.error("charge failed", error);
    return null;
  }
});
