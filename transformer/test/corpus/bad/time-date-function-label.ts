import { workflow } from "@continuum/core";

export const report = workflow("report", { version: 1 }, async (name: string) => {
  return `report ${name} generated ${Date()}`;
});
