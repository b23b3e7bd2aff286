import { workflow } from "@continuum/core";

export const yielder = workflow("yielder", { version: 1 }, async () => {
  await new Promise((resolve) => setImmediate(resolve));
  return "yielded";
});
