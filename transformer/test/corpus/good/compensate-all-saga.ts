import { activity, compensateAll, workflow } from "@continuum/core";
import * as acts from "../support/activities.ts";

export const bookTrip = workflow("book-trip", { version: 1 }, async (items: { sku: string; qty: number }[]) => {
  try {
    for (const item of items) {
      const r = await activity(acts.reserveStock, item.sku, item.qty, { compensate: [acts.releaseStock, item.sku, item.qty] });
      if (!r.ok) throw new Error(`out of stock: ${item.sku}`);
    }
    return "booked";
  } catch (error) {
    await compensateAll();
    return error instanceof Error ? error.message : "failed";
  }
});
