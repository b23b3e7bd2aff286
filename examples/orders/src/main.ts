/**
 * The orders example, end to end on an embedded PGlite journal: start an engine, place a batch
 * of six orders (the batch workflow runs each order as a child workflow), play the fraud team
 * (approve four, reject one, stay silent on one so its short review timeout refunds it; one
 * approved order cannot be shipped, so its charge is compensated), and print how each order and
 * the batch ended.
 *
 *   pnpm --filter @continuum/example-orders start
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, createEngine, openJournal } from "@continuum/core";
import * as fulfillment from "./activities/fulfillment.ts";
import * as payments from "./activities/payments.ts";
import * as validation from "./activities/validation.ts";
import { batchFlow } from "./batch.workflow.ts";
import { orderFlow } from "./order.workflow.ts";
import type { FraudReview, OrderInput, OrderResult } from "./order-types.ts";

type DemoOrder = OrderInput & {
  readonly review: FraudReview | "silence";
  readonly expected: OrderResult["status"];
};

const orders: readonly DemoOrder[] = [
  {
    orderId: "o-1001",
    items: [{ sku: "sku-book", quantity: 2 }],
    reviewTimeoutMs: 60_000,
    review: "approved",
    expected: "shipped",
  },
  {
    orderId: "o-1002",
    items: [
      { sku: "sku-lamp", quantity: 1 },
      { sku: "sku-mug", quantity: 4 },
    ],
    reviewTimeoutMs: 60_000,
    review: "approved",
    expected: "shipped",
  },
  {
    orderId: "o-1003",
    items: [{ sku: "sku-desk", quantity: 1 }],
    reviewTimeoutMs: 60_000,
    review: "rejected",
    expected: "refunded",
  },
  {
    orderId: "o-1004",
    items: [{ sku: "sku-mug", quantity: 1 }],
    reviewTimeoutMs: 1_500,
    review: "silence",
    expected: "refunded",
  },
  {
    orderId: "o-1005",
    items: [{ sku: "sku-lamp", quantity: 2 }],
    reviewTimeoutMs: 60_000,
    review: "approved",
    expected: "shipped",
  },
  // Approved, but no carrier takes a piano: shipping fails for good and the charge is undone.
  {
    orderId: "o-1006",
    items: [{ sku: "sku-piano", quantity: 1 }],
    reviewTimeoutMs: 60_000,
    review: "approved",
    expected: "refunded",
  },
];

async function main(): Promise<void> {
  // A fresh embedded database per run keeps the demo repeatable; point CONTINUUM_DATA_DIR at a
  // directory to keep the journal between runs instead.
  const keep = process.env.CONTINUUM_DATA_DIR;
  const dataDir = keep ?? (await mkdtemp(join(tmpdir(), "continuum-orders-")));
  console.log(`journal: embedded PGlite in ${dataDir}`);
  const journal = await openJournal({ dataDir });
  const engine = createEngine({
    journal,
    workflows: [batchFlow, orderFlow],
    activities: [validation.check, payments.charge, payments.refund, fulfillment.ship],
    pollIntervalMs: 100,
    leaseMs: 10_000,
  });
  const orderOf = new Map<string, string>(); // runId -> orderId, for readable progress lines
  engine.events.on("activity.retried", (e) =>
    console.log(
      `  [engine] ${e.activityName} for ${orderOf.get(e.runId) ?? e.runId} retries in ${e.delayMs} ms`,
    ),
  );
  engine.events.on("timer.fired", (e) =>
    console.log(`  [engine] review timeout fired for ${orderOf.get(e.runId) ?? e.runId}`),
  );
  engine.events.on("engine.error", (e) => console.error(`  [engine] error in ${e.where}:`, e.error));
  engine.events.on("run.completed", (e) =>
    console.log(`${orderOf.has(e.runId) ? `order ${orderOf.get(e.runId)}` : `run ${e.runId}`} finished`),
  );
  engine.start();

  const client = createClient({ journal, engine });
  const batch = await client.start(
    batchFlow,
    { batchId: "b-42", orders: orders.map(({ review: _review, expected: _expected, ...input }) => input) },
    { id: "batch-b-42" },
  );
  console.log(`placed batch b-42 (${orders.length} orders) -> run ${batch.runId}`);
  const runIdOf = new Map<string, string>(); // orderId -> child runId
  for (const order of orders) {
    const runId = await waitForChild(client, `order-${order.orderId}`);
    runIdOf.set(order.orderId, runId);
    orderOf.set(runId, order.orderId);
    console.log(`  order ${order.orderId} -> child run ${runId}`);
  }

  // The fraud team answers once each order is charged and waiting for its review.
  for (const order of orders) {
    const runId = runIdOf.get(order.orderId)!;
    await waitForReviewRequest(client, runId);
    if (order.review === "silence") {
      console.log(
        `fraud team: no answer for ${order.orderId} (review times out after ${order.reviewTimeoutMs} ms)`,
      );
      continue;
    }
    console.log(`fraud team: ${order.review} ${order.orderId}`);
    await client.signal(runId, "fraud_review", order.review, { deliveryId: `review-${order.orderId}` });
  }

  const summary = await batch.result({ timeoutMs: 30_000 });
  const results: readonly OrderResult[] = summary.results;
  console.log("\nfinal state:");
  let ok = true;
  for (const [i, order] of orders.entries()) {
    const result = results[i]!;
    const detail =
      result.status === "shipped" ? `shipped, tracking ${result.trackingId}` : `refunded (${result.reason})`;
    console.log(`  ${order.orderId}: ${detail}`);
    if (result.status !== order.expected) ok = false;
  }

  console.log(`  batch ${summary.batchId}: ${summary.shipped} shipped, ${summary.refunded} refunded`);
  if (summary.shipped + summary.refunded !== orders.length) ok = false;

  await engine.stop({ graceful: true });
  await journal.close();
  if (keep === undefined) await rm(dataDir, { recursive: true, force: true });
  if (!ok) throw new Error("an order ended differently than the fraud team decided");
}

/** Waits until the batch has started the child run with this workflow id; returns its run id. */
async function waitForChild(client: ReturnType<typeof createClient>, workflowId: string): Promise<string> {
  for (;;) {
    const run = await client.describeWorkflow(workflowId);
    if (run !== undefined) return run.runId;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls the run's history until the workflow has started waiting for its fraud review. */
async function waitForReviewRequest(client: ReturnType<typeof createClient>, runId: string): Promise<void> {
  for (;;) {
    const history = await client.history(runId);
    if (history.some((event) => event.kind === "signal_wait_started")) return;
    const { status } = await client.describe(runId);
    if (status !== "running") throw new Error(`run ${runId} ended (${status}) before asking for a review`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
