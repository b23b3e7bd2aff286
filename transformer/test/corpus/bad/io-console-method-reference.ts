import { workflow } from "@continuum/core";

export const dump = workflow("dump", { version: 1 }, async (lines: string[]) => {
  lines.forEach(console.info);
  return lines.length;
});
