import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const strict = workflow("strict", { version: 1 }, async (orderId: string) => {
  const receipt = await activity(acts.charge, orderId, 100).catch(() => null);
  if (!receipt) process.exit(1);
  return receipt;
});
