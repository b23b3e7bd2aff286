import { workflow } from "@continuum/core";

export const browserDelay = workflow("browser-delay", { version: 1 }, async () => {
  await new Promise((resolve) => window.setTimeout(resolve, 250));
  return "waited";
});
