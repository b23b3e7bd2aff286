import { workflow } from "@continuum/core";

export const cleanup = workflow("cleanup", { version: 1 }, async (id: string) => {
  const registry = new FinalizationRegistry<string>((held) => void held);
  registry.register({ id }, id);
  return id;
});
