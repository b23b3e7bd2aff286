import { workflow } from "@continuum/core";

const now = Date.now;

export const timer = workflow("timer", { version: 1 }, async () => {
  const t = now();
  return t % 2 === 0;
});
