import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

let attempts = 0;

export const counted = workflow("counted", { version: 1 }, async (orderId: string) => {
  attempts++;
  return activity(acts.charge, orderId, attempts * 100);
});
