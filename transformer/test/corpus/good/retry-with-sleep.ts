import { activity, sleep, seconds, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";
import { MAX_ATTEMPTS } from "../support/format.ts";

export const resilientCharge = workflow("resilient-charge", { version: 1 }, async (orderId: string) => {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    try {
      return await activity(acts.charge, orderId, 1_000);
    } catch (error) {
      if (attempt === MAX_ATTEMPTS) throw error;
      await sleep(seconds(2 ** attempt));
    }
  }
  throw new Error("unreachable");
});
