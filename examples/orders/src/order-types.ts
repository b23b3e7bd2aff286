/** One line of an order. */
export interface OrderItem {
  readonly sku: string;
  readonly quantity: number;
}

/** Input of the order workflow. */
export interface OrderInput {
  readonly orderId: string;
  readonly items: readonly OrderItem[];
  /** How long to wait for the fraud review before refunding (ms). */
  readonly reviewTimeoutMs: number;
}

/** How an order ended. */
export type OrderResult =
  | { readonly orderId: string; readonly status: "shipped"; readonly trackingId: string }
  | {
      readonly orderId: string;
      readonly status: "refunded";
      readonly reason: "fraud_rejected" | "review_timed_out" | "shipping_failed";
    };

/** The fraud team's verdict, sent as the `fraud_review` signal. */
export type FraudReview = "approved" | "rejected";

/** Input of the batch workflow: orders placed together, each run as a child workflow. */
export interface BatchInput {
  readonly batchId: string;
  readonly orders: readonly OrderInput[];
}

/** How a batch ended: one result per order, in the order they were placed. */
export interface BatchResult {
  readonly batchId: string;
  readonly shipped: number;
  readonly refunded: number;
  readonly results: readonly OrderResult[];
}
