/**
 * The demo itself, on an open journal: start an engine, place a batch of six orders (the batch
 * workflow runs each order as a child workflow), play the fraud team (approve four, reject one,
 * stay silent on one so its short review timeout refunds it; one approved order cannot be
 * shipped, so its charge is compensated), and print how each order and the batch ended.
 *
 * Every call places the next batch (`b-1`, `b-2`, ... with order ids of their own), so a kept
 * journal can run it again and again; a batch that an earlier process left running (killed
 * midway) is resumed instead, and ends the same way.
 */
import {
  createClient,
  createEngine,
  ErrorCode,
  isContinuumError,
  type Client,
  type Journal,
} from "@continuum/core";
import * as fulfillment from "./activities/fulfillment.ts";
import * as payments from "./activities/payments.ts";
import * as validation from "./activities/validation.ts";
import { batchFlow } from "./batch.workflow.ts";
import { orderFlow } from "./order.workflow.ts";
import type { FraudReview, OrderInput, OrderResult } from "./order-types.ts";
import type { DemoTracing } from "./tracing.ts";

type DemoOrder = Omit<OrderInput, "orderId"> & {
  readonly review: FraudReview | "silence";
  readonly expected: OrderResult["status"];
};

/** The batch the fraud team plays through; order ids are given per batch (see orderIdFor). */
const demoOrders: readonly DemoOrder[] = [
  {
    items: [{ sku: "sku-book", quantity: 2 }],
    reviewTimeoutMs: 60_000,
    review: "approved",
    expected: "shipped",
  },
  {
    items: [
      { sku: "sku-lamp", quantity: 1 },
      { sku: "sku-mug", quantity: 4 },
    ],
    reviewTimeoutMs: 60_000,
    review: "approved",
    expected: "shipped",
  },
  {
    items: [{ sku: "sku-desk", quantity: 1 }],
    reviewTimeoutMs: 60_000,
    review: "rejected",
    expected: "refunded",
  },
  {
    items: [{ sku: "sku-mug", quantity: 1 }],
    reviewTimeoutMs: 1_500,
    review: "silence",
    expected: "refunded",
  },
  {
    items: [{ sku: "sku-lamp", quantity: 2 }],
    reviewTimeoutMs: 60_000,
    review: "approved",
    expected: "shipped",
  },
  // Approved, but no carrier takes a piano: shipping fails for good and the charge is undone.
  {
    items: [{ sku: "sku-piano", quantity: 1 }],
    reviewTimeoutMs: 60_000,
    review: "approved",
    expected: "refunded",
  },
];

/** Runs the demo on `journal`; resolves true when every order ended the way the fraud team decided. */
export async function runDemo(
  journal: Journal,
  tracing?: Pick<DemoTracing, "instrumentation" | "inRootSpan">,
): Promise<boolean> {
  const instrumentation = tracing?.instrumentation;
  const engine = createEngine({
    journal,
    ...(instrumentation === undefined ? {} : { instrumentation }),
    workflows: [batchFlow, orderFlow],
    activities: [validation.check, payments.charge, payments.refund, fulfillment.ship],
    pollIntervalMs: 100,
    leaseMs: 10_000,
    // The demo narrates its own progress; the engine adds only what needs attention (warnings
    // and errors: here, the piano that no carrier ships). Drop this line to see info lines too.
    logLevel: "warn",
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
  engine.events.on("run.completed", (e) =>
    console.log(`${orderOf.has(e.runId) ? `order ${orderOf.get(e.runId)}` : `run ${e.runId}`} finished`),
  );
  engine.start();

  const client = createClient({
    journal,
    engine,
    ...(instrumentation === undefined ? {} : { instrumentation }),
  });
  const { batchId, resumed } = await nextBatch(client);
  const orders = demoOrders.map((order, i) => ({ ...order, orderId: orderIdFor(batchId, i) }));
  const place = () =>
    client.start(
      batchFlow,
      { batchId, orders: orders.map(({ review: _review, expected: _expected, ...input }) => input) },
      { id: `batch-${batchId}` },
    );
  // Traced: the start happens inside the demo's root span, the parent of the batch's whole trace.
  const batch = tracing === undefined ? await place() : await tracing.inRootSpan(place);
  console.log(
    resumed
      ? `resuming batch ${batchId} (${orders.length} orders), left unfinished by an earlier run -> run ${batch.runId}`
      : `placed batch ${batchId} (${orders.length} orders) -> run ${batch.runId}`,
  );
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
    if (!(await waitForReviewRequest(client, runId))) {
      console.log(`fraud team: ${order.orderId} was decided before this run`);
      continue;
    }
    if (order.review === "silence") {
      console.log(
        `fraud team: no answer for ${order.orderId} (review times out after ${order.reviewTimeoutMs} ms)`,
      );
      continue;
    }
    console.log(`fraud team: ${order.review} ${order.orderId}`);
    await answerReview(client, runId, order.review, `review-${order.orderId}`);
  }

  const summary = await batch.result({ timeoutMs: 60_000 });
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
  return ok;
}

/**
 * The batch this call works on: the first one whose run is still going (an earlier process was
 * stopped midway: resume it), else the one after the last finished batch.
 */
async function nextBatch(client: Client): Promise<{ batchId: string; resumed: boolean }> {
  for (let n = 1; ; n++) {
    const run = await client.describeWorkflow(`batch-b-${n}`);
    if (run === undefined) return { batchId: `b-${n}`, resumed: false };
    if (run.status === "running") return { batchId: `b-${n}`, resumed: true };
  }
}

/** Order ids of a batch: `o-1001` ... `o-1006` in batch b-1, `o-2001` ... in b-2. */
function orderIdFor(batchId: string, index: number): string {
  return `o-${batchId.slice("b-".length)}${String(index + 1).padStart(3, "0")}`;
}

/**
 * Sends the review. The delivery id makes a repeated answer (a resumed batch) count once; a
 * run that already finished had its review before, so there is nothing left to answer.
 */
async function answerReview(client: Client, runId: string, review: FraudReview, deliveryId: string) {
  try {
    await client.signal(runId, "fraud_review", review, { deliveryId });
  } catch (error) {
    if (!isContinuumError(error, ErrorCode.RunFinished)) throw error;
  }
}

/** Waits until the batch has started the child run with this workflow id; returns its run id. */
async function waitForChild(client: Client, workflowId: string): Promise<string> {
  for (;;) {
    const run = await client.describeWorkflow(workflowId);
    if (run !== undefined) return run.runId;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Polls the run until it waits for its fraud review (true), or has finished (false: its review
 * was answered, or timed out, before this process started).
 */
async function waitForReviewRequest(client: Client, runId: string): Promise<boolean> {
  for (;;) {
    const { status } = await client.describe(runId);
    if (status !== "running") return false;
    const history = await client.history(runId);
    if (history.some((event) => event.kind === "signal_wait_started")) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
