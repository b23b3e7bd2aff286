import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const retryCharge = workflow("retry-charge", { version: 1 }, async (orderId: string) => {
  for (let i = 0; i < 3; i++) {
    try {
      return await activity(acts.charge, orderId, 100);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 5_000 * (i + 1)));
    }
  }
  return null;
});
