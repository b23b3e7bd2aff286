import { workflow } from "@continuum/core";

export const receipt = workflow("receipt", { version: 1 }, async (orderId: string) => {
  const printedAt = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium" }).format();
  return { orderId, printedAt };
});
