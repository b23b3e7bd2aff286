import { workflow } from "@continuum/core";

export const invoiceDue = workflow("invoice-due", { version: 1 }, async (days: number) => {
  return globalThis.Date.now() + days * 86_400_000;
});
