import { sleep, workflow } from "@continuum/core";

export const staggered = workflow("staggered", { version: 1 }, async (delays: number[]) => {
  await Promise.all(delays.map(sleep));
  return delays.length;
});
