import { activity, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const tally = workflow("tally", { version: 1 }, async (skus: string[]) => {
  let reserved = 0;
  const failures: string[] = [];
  const reserve = async (sku: string) => {
    const r = await activity(acts.reserveStock, sku, 1);
    if (r.ok) reserved++;
    else failures.push(sku);
  };
  for (const sku of skus) await reserve(sku);
  return { reserved, failures };
});
