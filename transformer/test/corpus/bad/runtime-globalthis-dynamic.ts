import { workflow } from "@continuum/core";

export const dynamicGlobal = workflow("dynamic-global", { version: 1 }, async (name: string) => {
  const value = (globalThis as unknown as Record<string, unknown>)[name];
  return typeof value;
});
