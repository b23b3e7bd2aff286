import { defineActivity } from "@continuum/core";
import type { OrderItem } from "../order-types.ts";

/** SKUs the warehouse cannot ship: a business error, never retried. */
const undeliverable = new Set(["sku-piano"]);

/** Hands the order to the warehouse. */
export const ship = defineActivity(
  "fulfillment.ship",
  async (orderId: string, items: OrderItem[]) => {
    const blocked = items.find((item) => undeliverable.has(item.sku));
    if (blocked !== undefined) {
      console.log(`  [fulfillment] cannot ship ${orderId}: no carrier takes ${blocked.sku}`);
      throw Object.assign(new Error(`no carrier takes ${blocked.sku}`), { name: "Undeliverable" });
    }
    const trackingId = `TRK-${orderId.toUpperCase()}`;
    console.log(`  [fulfillment] shipped ${orderId} (${items.length} item(s)), tracking ${trackingId}`);
    return { trackingId };
  },
  { timeoutMs: 30_000, retry: { nonRetryableErrors: ["Undeliverable"] } },
);
