import { defineActivity } from "@continuum/core";
import type { OrderItem } from "../order-types.ts";

/** Prices of the demo catalogue, in cents. */
const catalogue: Readonly<Record<string, number>> = {
  "sku-book": 1_599,
  "sku-lamp": 4_900,
  "sku-mug": 850,
  "sku-desk": 32_000,
  "sku-piano": 450_000,
};

/**
 * Checks every item against the catalogue and computes the total. An unknown SKU is a
 * business error, so it is not retried.
 */
export const check = defineActivity(
  "validation.check",
  async (items: OrderItem[]) => {
    let total = 0;
    for (const item of items) {
      const price = catalogue[item.sku];
      if (price === undefined)
        throw Object.assign(new Error(`unknown SKU ${item.sku}`), { name: "InvalidOrder" });
      total += price * item.quantity;
    }
    console.log(`  [validation] ${items.length} item(s), total ${(total / 100).toFixed(2)} EUR`);
    return { total };
  },
  { retry: { nonRetryableErrors: ["InvalidOrder"] }, timeoutMs: 5_000 },
);
