import { today, workflow } from "@continuum/core";

export const dailyReport = workflow("daily-report", { version: 1 }, async (team: string) => {
  const day = await today();
  return `${team}-${day}`;
});
