import {
  createClient,
  createEngine,
  createInspector,
  type Client,
  type Engine,
  type Inspector,
  type Journal,
  type RunStatus,
} from "@continuum/core";
import {
  demoActivities,
  demoWorkflows,
  fanout,
  importBatch,
  inbox,
  nightlyReport,
  order,
  poller,
  trip,
} from "./demo-workflows.ts";

/** The demo's runs by the state they were left in (run ids). */
export interface DemoRuns {
  readonly waitingOnSignal: string;
  readonly completed: string;
  readonly sleeping: string;
  readonly failed: string;
  readonly compensated: string;
  readonly cancelled: string;
  /** The first run of the chain (continued) and the latest (running). */
  readonly continued: string;
  readonly continuedLatest: string;
  readonly parent: string;
}

/** A running demo: its engine keeps serving the runs until `stop`. */
export interface Demo {
  readonly engine: Engine;
  readonly client: Client;
  readonly inspector: Inspector;
  readonly runs: DemoRuns;
  stop(): Promise<void>;
}

/** Polls `check` until it returns a value (no time limit: callers' test timeouts bound it). */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, intervalMs = 50): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Starts an engine on `journal` with the demo workflows and leaves runs in every state the
 * Observer shows: waiting on a signal, completed, sleeping, failed, compensated, cancelled,
 * continued-as-new, and a parent with children.
 */
export async function seedDemo(journal: Journal, namespace = "shop"): Promise<Demo> {
  const engine = createEngine({
    journal,
    namespace,
    workflows: demoWorkflows,
    activities: demoActivities,
    pollIntervalMs: 100,
    logger: false,
  });
  engine.start();
  const client = createClient({ journal, namespace });
  const inspector = createInspector(journal);
  const statusOf = async (runId: string, ...statuses: RunStatus[]) => {
    const detail = await inspector.run(runId);
    return detail !== undefined && statuses.includes(detail.run.status) ? detail : undefined;
  };
  const waitingRun = await client.start(
    order,
    { orderId: "o-1001", total: 42, chargeFailures: 1 },
    { id: "order-1001" },
  );
  const completedRun = await client.start(order, { orderId: "o-1000", total: 18 }, { id: "order-1000" });
  const sleeping = await client.start(nightlyReport, { hours: 6 }, { id: "nightly-report-2026-12-07" });
  const failed = await client.start(importBatch, { batch: "prices-2026-12.csv" }, { id: "import-batch-7" });
  const compensated = await client.start(trip, { traveller: "ann" }, { id: "trip-42" });
  const cancelled = await client.start(nightlyReport, { hours: 12 }, { id: "nightly-report-2026-12-06" });
  const continued = await client.start(poller, { round: 0 }, { id: "feed-poller" });
  const parent = await client.start(fanout, [1, 2, 3], { id: "fanout-1" });
  await client.start(inbox, { signal: "wake" }, { id: "inbox-1" });

  // Waiting on the review signal (after a retried charge), then approve the other order.
  await waitFor(async () => (await inspector.run(waitingRun.runId))?.pendingTimers === 1);
  await waitFor(async () => (await inspector.run(completedRun.runId))?.pendingTimers === 1);
  await client.signal(completedRun.runId, "fraud_review", "approved");
  await waitFor(() => statusOf(completedRun.runId, "completed"));
  await waitFor(async () => (await inspector.run(cancelled.runId))?.pendingTimers === 1);
  await client.cancel(cancelled.runId, { reason: "customer asked" });
  await waitFor(() => statusOf(cancelled.runId, "cancelled"));
  await waitFor(() => statusOf(failed.runId, "failed"));
  await waitFor(() => statusOf(compensated.runId, "failed"));
  await waitFor(() => statusOf(parent.runId, "completed"));
  await waitFor(async () => (await inspector.run(sleeping.runId))?.pendingTimers === 1);
  const latest = await waitFor(async () => {
    const page = await inspector.runs({ idPrefix: "feed-poller", status: "running" });
    const run = page.runs[0];
    return run !== undefined && (await inspector.run(run.runId))?.pendingTimers === 1 ? run.runId : undefined;
  });
  return {
    engine,
    client,
    inspector,
    runs: {
      waitingOnSignal: waitingRun.runId,
      completed: completedRun.runId,
      sleeping: sleeping.runId,
      failed: failed.runId,
      compensated: compensated.runId,
      cancelled: cancelled.runId,
      continued: continued.runId,
      continuedLatest: latest,
      parent: parent.runId,
    },
    stop: async () => {
      await engine.stop({ graceful: false });
    },
  };
}
