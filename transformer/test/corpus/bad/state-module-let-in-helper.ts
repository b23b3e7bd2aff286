import { workflow } from "@continuum/core";

let lastRunId: string | undefined;

function remember(runId: string): void {
  lastRunId = runId;
}

export const remembered = workflow("remembered", { version: 1 }, async (runId: string) => {
  remember(runId);
  return lastRunId;
});
