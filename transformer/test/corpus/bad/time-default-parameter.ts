import { workflow } from "@continuum/core";

export const stampedInput = workflow("stamped-input", { version: 1 }, async (input: { id: string; at?: number }) => {
  const { id, at = Date.now() } = input;
  return { id, at };
});
