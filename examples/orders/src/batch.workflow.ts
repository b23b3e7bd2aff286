import { awaitChild, startChild, workflow } from "@continuum/core";
import { orderFlow } from "./order.workflow.ts";
import type { BatchInput, BatchResult, OrderResult } from "./order-types.ts";

/**
 * Places every order of a batch as a child run, then waits for all of them (fan-out, fan-in).
 * Each child keeps the workflow id `order-<orderId>`, so the fraud team can find and signal it
 * like any order; if the batch is cancelled, its running orders are cancelled with it.
 */
export const batchFlow = workflow(
  "order-batch",
  { version: 1 },
  async ({ batchId, orders }: BatchInput): Promise<BatchResult> => {
    const handles = [];
    for (const order of orders) {
      handles.push(await startChild(orderFlow, order, { id: `order-${order.orderId}` }));
    }
    const results: OrderResult[] = await Promise.all(handles.map((handle) => awaitChild(handle)));
    return {
      batchId,
      shipped: results.filter((result) => result.status === "shipped").length,
      refunded: results.filter((result) => result.status === "refunded").length,
      results,
    };
  },
);
