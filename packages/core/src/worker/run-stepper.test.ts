import { beforeEach, describe, expect, it } from "vitest";
import { ManualClock, MemoryJournal } from "../journal/memory/index.ts";
import { activity, hours, isTimeout, signal, workflow } from "../workflow/index.ts";
import { encode } from "../codec/index.ts";
import { createClient } from "../client/create-client.ts";
import { ErrorCode } from "../errors/error-code.ts";
import {
  fulfillment,
  ledger,
  orderActivities,
  orderCursors,
  orderFlow,
  payments,
  sampleOrder,
  validation,
} from "../testing/test-support/order-fixture.ts";
import { instrumented, testRuntime } from "./test-support/drive-runtime.ts";

beforeEach(() => {
  ledger.length = 0;
});

function world() {
  const clock = new ManualClock();
  const memory = new MemoryJournal({ clock });
  return { clock, memory, client: createClient({ journal: memory }) };
}

/**
 * The first effects of the order flow, then a different order: v1 runs cannot replay on it.
 * It carries v1's version hash (a change the hash did not capture, e.g. a hand-stamped
 * mistake), so dispatch hands it v1 runs and replay is what catches the difference.
 */
const reorderedOrderFlow = workflow.stamped({
  format: 1,
  versionHash: "order-v1",
  cursors: orderCursors,
  file: "test/order.workflow.ts",
  line: 1,
})("order", { version: 2 }, async ({ orderId, items }: typeof sampleOrder) => {
  const validated = await activity.at("activity:validation.check#0")(validation.check, items);
  const review = await signal.at("signal:fraud_review#0")<"approved" | "rejected">("fraud_review", {
    timeout: hours(24),
  });
  await activity.at("activity:payments.charge#0")(payments.charge, orderId, validated.total, 0);
  if (isTimeout(review) || review === "rejected") return { status: "refunded" };
  return activity.at("activity:fulfillment.ship#0")(fulfillment.ship, orderId);
});

describe("run stepper: sticky executions", () => {
  it("a cached execution takes the next step without reading the history again", async () => {
    const w = world();
    const { journal, calls } = instrumented(w.memory);
    const a = testRuntime(journal, { workflows: [orderFlow], activities: orderActivities });
    const run = await w.client.start(orderFlow, sampleOrder);
    await a.drive();
    expect(calls("readHistory")).toBe(1); // the first step replays run_started once
    expect(a.counts.replays).toBe(1);
    expect(a.runtime.cache.size).toBe(1);

    await w.client.signal(run.runId, "fraud_review", "approved");
    await a.drive();
    expect((await w.client.describe(run.runId)).status).toBe("completed");
    expect(calls("readHistory")).toBe(1);
    expect(a.counts.replays).toBe(1);
    expect(a.counts.cachedSteps).toBe(a.counts.committed - 1);
    expect(a.runtime.cache.size).toBe(0); // a finished run leaves the cache
  });

  it("eviction gives the lease back; the evicted run is rebuilt by replay and finishes the same way", async () => {
    const w = world();
    const a = testRuntime(w.memory, { workflows: [orderFlow], activities: orderActivities, cacheSize: 1 });
    const evicted: string[] = [];
    a.runtime.events.on("cache.evicted", (e) => evicted.push(e.runId));
    const first = await w.client.start(orderFlow, sampleOrder);
    await a.drive();
    const second = await w.client.start(orderFlow, { ...sampleOrder, orderId: "o-2" });
    await a.drive();

    expect(evicted).toEqual([first.runId]);
    expect(a.runtime.cache.size).toBe(1);
    expect((await w.memory.getRun(first.runId))?.leaseOwner).toBeUndefined();
    expect((await w.memory.getRun(second.runId))?.leaseOwner).toBe("engine-a");

    const reasons: string[] = [];
    a.runtime.events.on("replay.started", (e) => reasons.push(`${e.reason}:${e.historyLength}`));
    await w.client.signal(first.runId, "fraud_review", "approved");
    await a.drive();
    expect(reasons).toEqual(["not_cached:6"]);
    const done = await w.client.describe(first.runId);
    expect(done.status).toBe("completed");
    expect(done.result).toEqual({ status: "shipped", trackingId: "trk-o-1", chargeId: "ch-o-1" });
  });

  it("cacheSize 0 replays every step and holds no lease between steps", async () => {
    const w = world();
    const a = testRuntime(w.memory, { workflows: [orderFlow], activities: orderActivities, cacheSize: 0 });
    const run = await w.client.start(orderFlow, sampleOrder);
    await a.drive();
    expect((await w.memory.getRun(run.runId))?.leaseOwner).toBeUndefined();
    await w.client.signal(run.runId, "fraud_review", "rejected");
    await a.drive();
    expect((await w.client.describe(run.runId)).result).toEqual({
      status: "refunded",
      reason: "fraud_rejected",
    });
    expect(a.counts.cachedSteps).toBe(0);
    expect(a.counts.replays).toBe(a.counts.committed);
  });
});

describe("run stepper: leases", () => {
  it("a lease lost at renewal drops the cached execution and the engine writes nothing more", async () => {
    const w = world();
    const a = testRuntime(w.memory, { workflows: [orderFlow], activities: orderActivities, leaseMs: 10_000 });
    const lost: string[] = [];
    a.runtime.events.on("lease.lost", (e) => lost.push(`${e.runId}:${e.during}`));
    const run = await w.client.start(orderFlow, sampleOrder);
    await a.drive();
    expect(a.runtime.cache.size).toBe(1);

    // The engine stalls past its lease; another engine takes the run over.
    w.clock.advance(10_001);
    await w.client.signal(run.runId, "fraud_review", "approved");
    const [stolen] = await w.memory.claimRuns({ owner: "engine-b", limit: 1, leaseMs: 60_000 });
    expect(stolen?.run.runId).toBe(run.runId);

    expect(await a.runtime.leaseKeeper.renew()).toEqual([run.runId]);
    expect(lost).toEqual([`${run.runId}:renew`]);
    expect(a.runtime.cache.size).toBe(0);
    const before = (await w.memory.readHistory(run.runId)).length;
    await a.drive();
    expect((await w.memory.readHistory(run.runId)).length).toBe(before);
  });

  it("a lease lost between claim and commit: the commit writes nothing, the execution is dropped, the new owner finishes the run", async () => {
    const w = world();
    let steal = false;
    const { journal } = instrumented(w.memory, {
      beforeCommit: async () => {
        if (!steal) return;
        steal = false;
        w.clock.advance(30_001);
        await w.memory.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 60_000 });
      },
    });
    const a = testRuntime(journal, { workflows: [orderFlow], activities: orderActivities });
    const lost: string[] = [];
    a.runtime.events.on("lease.lost", (e) => lost.push(e.during));
    const run = await w.client.start(orderFlow, sampleOrder);
    await a.drive();
    const historyBefore = await w.memory.readHistory(run.runId);

    await w.client.signal(run.runId, "fraud_review", "approved");
    steal = true;
    await a.drive();
    expect(lost).toEqual(["commit"]);
    expect(a.runtime.cache.size).toBe(0);
    expect(await w.memory.readHistory(run.runId)).toEqual(historyBefore);

    const b = testRuntime(w.memory, {
      workflows: [orderFlow],
      activities: orderActivities,
      owner: "engine-b",
    });
    await b.drive();
    expect((await w.client.describe(run.runId)).result).toMatchObject({ status: "shipped" });
  });

  it("claims only runs of workflows it has code for", async () => {
    const w = world();
    const { run: foreign } = await w.memory.startRun({
      namespace: "default",
      workflowName: "someone-elses",
      versionHash: "x",
      input: encode(1),
    });
    const a = testRuntime(w.memory, { workflows: [orderFlow], activities: orderActivities });
    await a.drive();
    const after = await w.memory.getRun(foreign.runId);
    expect(after).toMatchObject({ lastSeq: 1, status: "running" });
    expect(after?.leaseOwner).toBeUndefined();
  });
});

describe("run stepper: drift", () => {
  it("a drifted run is left untouched: nothing written, not failed, lease released, inbox kept", async () => {
    const w = world();
    const v1 = testRuntime(w.memory, { workflows: [orderFlow], activities: orderActivities });
    const run = await w.client.start(orderFlow, sampleOrder);
    await v1.drive();
    await v1.runtime.cache.clear(); // v1 is shut down (deploy)
    const recorded = await w.memory.readHistory(run.runId);

    const v2 = testRuntime(w.memory, {
      workflows: [reorderedOrderFlow],
      activities: orderActivities,
      owner: "engine-v2",
    });
    const drifts: string[] = [];
    v2.runtime.events.on("replay.drift", (e) => drifts.push(`${e.runId}:${e.error.code}`));
    await w.client.signal(run.runId, "fraud_review", "approved");
    await v2.drive();
    await v2.drive(); // within the drift backoff the run is not replayed again

    expect(drifts).toEqual([`${run.runId}:${ErrorCode.ReplayDrift}`]);
    expect(await w.memory.readHistory(run.runId)).toEqual(recorded);
    const after = await w.memory.getRun(run.runId);
    expect(after?.status).toBe("running");
    expect(after?.leaseOwner).toBeUndefined();

    // The deferral is the journal's: code with the same hash on another engine waits it out too.
    const again = testRuntime(w.memory, {
      workflows: [orderFlow],
      activities: orderActivities,
      owner: "engine-v1-again",
    });
    await again.drive();
    expect((await w.memory.getRun(run.runId))?.lastSeq).toBe(recorded.length);
    // After the drift backoff (60 s in testRuntime), code that matches the history (v1
    // redeployed) picks the run up, signal and all.
    w.clock.advance(60_000);
    await again.drive();
    expect((await w.client.describe(run.runId)).result).toMatchObject({ status: "shipped" });
  });
});
