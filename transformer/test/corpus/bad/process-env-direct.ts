import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const payout = workflow("payout", { version: 1 }, async (orderId: string) => {
  const cents = Number(process.env.PAYOUT_CENTS ?? "100");
  return activity(acts.charge, orderId, cents);
});
