import { workflow } from "@continuum/core";

export const tagRun = workflow("tag-run", { version: 1 }, async (runTag: string) => {
  (globalThis as unknown as { currentRun?: string }).currentRun = runTag;
  return runTag;
});
