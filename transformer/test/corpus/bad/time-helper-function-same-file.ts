import { workflow } from "@continuum/core";

function isBusinessHours(): boolean {
  const hour = new Date().getUTCHours();
  return hour >= 9 && hour < 17;
}

export const support = workflow("support", { version: 1 }, async (ticket: string) => (isBusinessHours() ? `route ${ticket}` : `queue ${ticket}`));
