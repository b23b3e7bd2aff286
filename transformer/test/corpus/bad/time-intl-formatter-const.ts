import { workflow } from "@continuum/core";

export const banner = workflow("banner", { version: 1 }, async (name: string) => {
  const formatter = new Intl.DateTimeFormat("de-DE", { timeStyle: "short" });
  const parts = formatter.formatToParts();
  return `${name}: ${parts.map((p) => p.value).join("")}`;
});
