import { sideEffect, workflow } from "@continuum/core";

export const halfWrapped = workflow("half-wrapped", { version: 1 }, async () => {
  const wrapped = await sideEffect(() => Date.now());
  const unwrapped = Date.now();
  return unwrapped - wrapped;
});
