import { workflow } from "@continuum/core";
import { charge } from "../support/activities.ts";

export const checkout = workflow("checkout", { version: 1 }, async (orderId: string) => {
  const receipt = await charge(orderId, 4_200);
  return receipt;
});
