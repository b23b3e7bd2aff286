import { describe, expect, it } from "vitest";
import type { Journal, RunQueueConfig } from "../../journal/journal.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import { claimRun, start, stepCommit } from "./conformance-harness.ts";

const claimAll = async (journal: Journal, owner = "engine-a") =>
  (await journal.claimRuns({ owner, limit: 100, leaseMs: 60_000 })).map((c) => c.run.runId);

const enqueue = (journal: Journal, queue: string, extra: Record<string, unknown> = {}, input: unknown = 1) =>
  start(journal, { input: input as never, queue: { name: queue, ...extra } });

const dequeue = async (journal: Journal, queue: string, owner = "engine-a", limit = 100) =>
  (await journal.dequeueRuns({ owner, queues: [queue], limit }))[0];

/** Ends a dequeued run: claim it and commit a completing step. */
async function finish(journal: Journal, runId: string): Promise<void> {
  const claim = await claimRun(journal, runId);
  await journal.commitStep(stepCommit(claim, { status: "completed", result: null }));
}

/**
 * Named run queues: queued runs are not claimable until dequeued; dequeueRuns honours the
 * queue's concurrency (runs dequeued and not ended), per-engine concurrency, rate limit,
 * priorities and FIFO; dedupe keys and debounce; cancelling a queued run; listQueues.
 */
export function runQueueConformance(h: HarnessRef): void {
  describe("run queues", () => {
    const define = (journal: Journal, config: Partial<RunQueueConfig> = {}) =>
      journal.defineQueues([{ name: "q", ...config }]);

    it("keeps a queued run from claims until it is dequeued, then it is ready like a new run", async () => {
      const { journal } = h();
      await define(journal);
      const run = await enqueue(journal, "q");
      expect(run.status).toBe("running");
      expect(await claimAll(journal)).toEqual([]);
      const dequeued = await dequeue(journal, "q");
      expect(dequeued).toMatchObject({ queue: "q", runIds: [run.runId], moreDue: false });
      expect(dequeued?.throttled).toBeUndefined();
      expect(await claimAll(journal)).toEqual([run.runId]);
      // Dequeued once: a second round finds nothing.
      expect((await dequeue(journal, "q"))?.runIds).toEqual([]);
    });

    it("never has more than `concurrency` runs dequeued and not ended; an ended run frees its slot", async () => {
      const { journal } = h();
      await define(journal, { concurrency: 2 });
      const runs = [];
      for (let i = 0; i < 5; i++) runs.push(await enqueue(journal, "q"));
      const first = await dequeue(journal, "q");
      expect(first?.runIds).toEqual([runs[0]!.runId, runs[1]!.runId]);
      expect(first).toMatchObject({ throttled: "concurrency", moreDue: true });
      // Another engine gets nothing either: the limit is global.
      expect(await dequeue(journal, "q", "engine-b")).toMatchObject({ runIds: [], throttled: "concurrency" });
      await finish(journal, runs[0]!.runId);
      expect((await dequeue(journal, "q", "engine-b"))?.runIds).toEqual([runs[2]!.runId]);
      const [info] = await journal.listQueues();
      expect(info).toMatchObject({ name: "q", concurrency: 2, backlog: 2, running: 2 });
    });

    it("bounds the runs one engine dequeued with perEngineConcurrency", async () => {
      const { journal } = h();
      await define(journal, { perEngineConcurrency: 1 });
      const a = await enqueue(journal, "q");
      const b = await enqueue(journal, "q");
      expect(await dequeue(journal, "q", "engine-a")).toMatchObject({
        runIds: [a.runId],
        throttled: "per_engine_concurrency",
      });
      expect((await dequeue(journal, "q", "engine-b"))?.runIds).toEqual([b.runId]);
    });

    it("dequeues at most `limit` runs per period (a sliding window by the journal clock)", async () => {
      const { journal, advance } = h();
      await define(journal, { rateLimit: { limit: 2, periodMs: 10_000 } });
      const runs = [];
      for (let i = 0; i < 3; i++) runs.push(await enqueue(journal, "q"));
      expect(await dequeue(journal, "q")).toMatchObject({
        runIds: [runs[0]!.runId, runs[1]!.runId],
        throttled: "rate_limit",
      });
      // Ending runs does not give rate back: the window does.
      await finish(journal, runs[0]!.runId);
      expect((await dequeue(journal, "q"))?.runIds).toEqual([]);
      expect((await journal.listQueues())[0]).toMatchObject({ dequeuedInPeriod: 2, backlog: 1 });
      await advance(11_000);
      expect((await dequeue(journal, "q"))?.runIds).toEqual([runs[2]!.runId]);
    });

    it("dequeues lower priorities first, FIFO within a priority, the queue's default for starts without one", async () => {
      const { journal } = h();
      await define(journal, { defaultPriority: 5 });
      const low = await enqueue(journal, "q", { priority: 9 });
      const plain1 = await enqueue(journal, "q");
      const urgent = await enqueue(journal, "q", { priority: 1 });
      const plain2 = await enqueue(journal, "q");
      expect((await dequeue(journal, "q", "engine-a", 3))?.runIds).toEqual([
        urgent.runId,
        plain1.runId,
        plain2.runId,
      ]);
      expect((await dequeue(journal, "q"))?.runIds).toEqual([low.runId]);
    });

    it("returns the open run for a second start with the same dedupe key, and queues anew once it ended", async () => {
      const { journal } = h();
      await define(journal);
      const first = await journal.startRun({
        namespace: "conformance",
        workflowName: "wf",
        versionHash: "v1",
        input: 1,
        queue: { name: "q", dedupeKey: "k" },
      });
      const again = await journal.startRun({
        namespace: "conformance",
        workflowName: "wf",
        versionHash: "v1",
        input: 2,
        queue: { name: "q", dedupeKey: "k" },
      });
      expect(again).toMatchObject({ created: false, run: { runId: first.run.runId, input: 1 } });
      await dequeue(journal, "q");
      // Executing still counts as open.
      const running = await journal.startRun({ ...startOf("k"), input: 3 });
      expect(running).toMatchObject({ created: false, run: { runId: first.run.runId } });
      await finish(journal, first.run.runId);
      const next = await journal.startRun({ ...startOf("k"), input: 4 });
      expect(next.created).toBe(true);
      expect(next.run.runId).not.toBe(first.run.runId);
    });

    it("debounces: a start while the keyed run is queued replaces its input and pushes its dequeue later", async () => {
      const { journal, advance } = h();
      await define(journal);
      const first = await journal.startRun({ ...startOf("d", 5_000), input: "a" });
      await advance(3_000);
      const second = await journal.startRun({ ...startOf("d", 5_000), input: "b" });
      expect(second).toMatchObject({ created: false, run: { runId: first.run.runId, input: "b" } });
      expect((await journal.readHistory(first.run.runId))[0]).toMatchObject({
        kind: "run_started",
        input: "b",
      });
      await advance(3_000); // 6 s after the first start, 3 s after the second: still waiting
      expect((await dequeue(journal, "q"))?.runIds).toEqual([]);
      await advance(3_000);
      expect((await dequeue(journal, "q"))?.runIds).toEqual([first.run.runId]);
      // Executing: a new debounced start queues a new run behind it.
      const third = await journal.startRun({ ...startOf("d", 5_000), input: "c" });
      expect(third.created).toBe(true);
    });

    it("ends a queued run at once when it is cancelled, and never dequeues it", async () => {
      const { journal } = h();
      await define(journal);
      const run = await enqueue(journal, "q");
      await journal.requestCancel(run.runId, "not needed");
      expect((await journal.getRun(run.runId))?.status).toBe("cancelled");
      expect((await dequeue(journal, "q"))?.runIds).toEqual([]);
      expect((await journal.listQueues())[0]).toMatchObject({ backlog: 0, running: 0 });
    });

    it("ignores queues never defined, and lists defined ones with their limits", async () => {
      const { journal } = h();
      await enqueue(journal, "nowhere");
      expect(await journal.dequeueRuns({ owner: "engine-a", queues: ["nowhere"], limit: 10 })).toEqual([]);
      await journal.defineQueues([{ name: "b", concurrency: 3, rateLimit: { limit: 1, periodMs: 1000 } }]);
      await journal.defineQueues([{ name: "a" }]);
      const queues = await journal.listQueues();
      expect(queues.map((q) => q.name)).toEqual(["a", "b"]);
      expect(queues[1]).toMatchObject({
        concurrency: 3,
        rateLimit: { limit: 1, periodMs: 1000 },
        backlog: 0,
      });
      // Redefining replaces the limits.
      await journal.defineQueues([{ name: "b", concurrency: 4 }]);
      const b = (await journal.listQueues())[1];
      expect(b?.concurrency).toBe(4);
      expect(b?.rateLimit).toBeUndefined();
    });
  });
}

function startOf(dedupeKey: string, debounceMs?: number) {
  return {
    namespace: "conformance",
    workflowName: "wf",
    versionHash: "v1",
    input: 0,
    queue: { name: "q", dedupeKey, ...(debounceMs === undefined ? {} : { debounceMs }) },
  };
}
