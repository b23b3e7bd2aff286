import { workflow } from "@continuum/core";

export const bench = workflow("bench", { version: 1 }, async () => {
  const start = process.hrtime.bigint();
  return String(start);
});
