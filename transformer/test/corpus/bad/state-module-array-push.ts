import { workflow } from "@continuum/core";

const processed: string[] = [];

export const dedupe = workflow("dedupe", { version: 1 }, async (id: string) => {
  if (processed.includes(id)) return false;
  processed.push(id);
  return true;
});
