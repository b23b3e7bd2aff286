import { activityContext } from "../../worker/activity-context.ts";
import { activity, defineActivity, hours, isTimeout, signal, workflow } from "../../workflow/index.ts";

/**
 * Test support: the order flow of DESIGN.md, hand-stamped the way the transformer would stamp
 * it, with activities that record what they did in `ledger`.
 */
export interface OrderInput {
  readonly orderId: string;
  readonly items: readonly { readonly sku: string; readonly price: number; readonly quantity: number }[];
  /** Attempts of payments.charge that fail before one succeeds. */
  readonly chargeFailures?: number;
}

export type OrderResult =
  | { readonly status: "shipped"; readonly trackingId: string; readonly chargeId: string }
  | { readonly status: "refunded"; readonly reason: "fraud_rejected" | "review_timed_out" };

/** What the activities did, in order (reset it per test with `ledger.length = 0`). */
export const ledger: string[] = [];

export const validation = {
  check: defineActivity(
    "validation.check",
    async (items: OrderInput["items"]) => {
      if (items.length === 0) throw Object.assign(new Error("empty order"), { name: "InvalidOrder" });
      ledger.push("validate");
      return { total: items.reduce((sum, item) => sum + item.price * item.quantity, 0) };
    },
    { retry: { nonRetryableErrors: ["InvalidOrder"] } },
  ),
};

export const payments = {
  charge: defineActivity(
    "payments.charge",
    async (orderId: string, total: number, failures: number) => {
      const { attempt } = activityContext();
      if (attempt <= failures) {
        ledger.push(`charge-failed#${attempt}`);
        throw new Error(`psp unavailable (attempt ${attempt})`);
      }
      ledger.push(`charge:${total}`);
      return { chargeId: `ch-${orderId}`, total };
    },
    { retry: { maxAttempts: 5, initialIntervalMs: 1_000, backoffCoefficient: 2 }, timeoutMs: 30_000 },
  ),
  refund: defineActivity("payments.refund", async (chargeId: string) => {
    ledger.push(`refund:${chargeId}`);
    return { refunded: chargeId };
  }),
};

export const fulfillment = {
  ship: defineActivity("fulfillment.ship", async (orderId: string) => {
    ledger.push(`ship:${orderId}`);
    return { trackingId: `trk-${orderId}` };
  }),
};

export const orderCursors = [
  "activity:validation.check#0",
  "activity:payments.charge#0",
  "signal:fraud_review#0",
  "activity:payments.refund#0",
  "activity:fulfillment.ship#0",
] as const;

export const orderFlow = workflow.stamped({
  format: 1,
  versionHash: "order-v1",
  cursors: orderCursors,
  file: "test/order.workflow.ts",
  line: 1,
})("order", { version: 1 }, async ({ orderId, items, chargeFailures }: OrderInput): Promise<OrderResult> => {
  const validated = await activity.at("activity:validation.check#0")(validation.check, items);
  const receipt = await activity.at("activity:payments.charge#0")(
    payments.charge,
    orderId,
    validated.total,
    chargeFailures ?? 0,
  );
  const review = await signal.at("signal:fraud_review#0")<"approved" | "rejected">("fraud_review", {
    timeout: hours(24),
  });
  if (isTimeout(review) || review === "rejected") {
    await activity.at("activity:payments.refund#0")(payments.refund, receipt.chargeId);
    return { status: "refunded", reason: isTimeout(review) ? "review_timed_out" : "fraud_rejected" };
  }
  const shipment = await activity.at("activity:fulfillment.ship#0")(fulfillment.ship, orderId);
  return { status: "shipped", trackingId: shipment.trackingId, chargeId: receipt.chargeId };
});

export const orderActivities = [validation.check, payments.charge, payments.refund, fulfillment.ship];

export const sampleOrder: OrderInput = {
  orderId: "o-1",
  items: [
    { sku: "book", price: 15, quantity: 2 },
    { sku: "mug", price: 8, quantity: 1 },
  ],
};
