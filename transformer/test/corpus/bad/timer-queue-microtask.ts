import { workflow } from "@continuum/core";

export const micro = workflow("micro", { version: 1 }, async () => {
  const order: string[] = [];
  queueMicrotask(() => order.push("later"));
  order.push("now");
  return order;
});
