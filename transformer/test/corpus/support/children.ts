import { activity, workflow } from "@continuum/core";
import * as acts from "./activities.ts";

export const shipOrder = workflow("ship-order", { version: 1 }, async (input: { orderId: string; address: string }) => {
  const shipped = await activity(acts.ship, input.orderId, input.address);
  return shipped.trackingId;
});

export const notifyUser = workflow("notify-user", { version: 1 }, async (input: { userId: string; message: string }) => {
  const user = await activity(acts.loadUser, input.userId);
  await activity(acts.sendEmail, user.email, "Update", input.message);
  return true;
});
