import { workflow } from "@continuum/core";

export const tick = workflow("tick", { version: 1 }, async () => {
  await new Promise<void>((resolve) => process.nextTick(resolve));
  return "ticked";
});
