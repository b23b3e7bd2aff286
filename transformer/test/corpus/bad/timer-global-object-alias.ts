import { workflow } from "@continuum/core";

const g = globalThis;

export const nudge = workflow("nudge", { version: 1 }, async () => {
  await new Promise((resolve) => g.setTimeout(resolve, 100));
  return "nudged";
});
