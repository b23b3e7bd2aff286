import { workflow } from "@continuum/core";

export const rules = workflow("rules", { version: 1 }, async (body: string, value: number) => {
  const rule = new Function("value", body) as (v: number) => boolean;
  return rule(value);
});
