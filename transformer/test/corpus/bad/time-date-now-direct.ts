import { workflow } from "@continuum/core";

export const trackOrder = workflow("track-order", { version: 1 }, async (orderId: string) => {
  const startedAt = Date.now();
  return { orderId, startedAt };
});
