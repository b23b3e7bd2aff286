import { activityContext, defineActivity } from "@continuum/core";

/**
 * How many times the payment provider "times out" for an order before it accepts the charge:
 * derived from the order id, so an order tells the same story every time it runs.
 */
export function transientFailuresFor(orderId: string): number {
  let hash = 0;
  for (const char of orderId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % 3;
}

/** Charges the order's total. Fails transiently (and is retried with backoff) for some orders. */
export const charge = defineActivity(
  "payments.charge",
  async (orderId: string, totalCents: number) => {
    const { attempt } = activityContext();
    if (attempt <= transientFailuresFor(orderId)) {
      console.log(`  [payments] charge ${orderId}: attempt ${attempt} failed (provider timeout), will retry`);
      throw Object.assign(new Error("payment provider timed out"), { name: "ProviderTimeout" });
    }
    const chargeId = `ch_${orderId}_${attempt}`;
    console.log(
      `  [payments] charged ${orderId} ${(totalCents / 100).toFixed(2)} EUR on attempt ${attempt} (${chargeId})`,
    );
    return { chargeId, totalCents };
  },
  {
    retry: { maxAttempts: 5, initialIntervalMs: 200, backoffCoefficient: 2 },
    timeoutMs: 10_000,
    idempotencyKey: (orderId) => `charge:${orderId}`,
  },
);

/**
 * Gives the money back. Keyed by order id (the provider refunds the order's charge), so it can
 * be recorded as the charge's compensation before the charge id is known.
 */
export const refund = defineActivity(
  "payments.refund",
  async (orderId: string) => {
    console.log(`  [payments] refunded ${orderId}`);
    return { refundId: `re_${orderId}` };
  },
  { retry: { maxAttempts: 10, initialIntervalMs: 200 } },
);
