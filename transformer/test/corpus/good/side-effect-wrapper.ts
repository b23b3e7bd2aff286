import { sideEffect, workflow } from "@continuum/core";

export const sampled = workflow("sampled", { version: 1 }, async (rate: number) => {
  const sampled = await sideEffect(() => rate > 0.5);
  return sampled;
});
