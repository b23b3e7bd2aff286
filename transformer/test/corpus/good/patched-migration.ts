import { activity, deprecatePatch, patched, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const pricing = workflow("pricing", { version: 2 }, async (orderId: string) => {
  deprecatePatch("legacy-rounding");
  const cents = patched("new-pricing") ? 1_250 : 1_200;
  return activity(acts.charge, orderId, cents);
});
