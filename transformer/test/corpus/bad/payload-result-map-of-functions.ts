import { workflow } from "@continuum/core";

export const handlers = workflow("handlers", { version: 1 }, async (names: string[]) => {
  return new Map(names.map((n) => [n, () => n.length] as const));
});
