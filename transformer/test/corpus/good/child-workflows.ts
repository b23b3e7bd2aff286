import { awaitChild, child, startChild, workflow } from "@continuum/core";
import { notifyUser, shipOrder } from "../support/children.ts";

export const parent = workflow("parent", { version: 1 }, async (input: { orderId: string; userId: string; address: string }) => {
  const notification = await startChild(notifyUser, { userId: input.userId, message: "Your order is on its way" });
  const trackingId = await child(shipOrder, { orderId: input.orderId, address: input.address });
  const notified = await awaitChild(notification);
  return { trackingId, notified };
});
