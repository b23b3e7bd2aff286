import { workflow } from "@continuum/core";

const settings = { mode: "normal" as "normal" | "degraded" };

export const degrade = workflow("degrade", { version: 1 }, async (errors: number) => {
  if (errors > 3) settings.mode = "degraded";
  return settings.mode;
});
