import { describe, expect, it } from "vitest";
import type { Journal, TaskClaim } from "../../journal/journal.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import { claimRun, options, runWithTasks, start, stepCommit, task } from "./conformance-harness.ts";
import { inspectorOf } from "./inspector-conformance.ts";

const queued = (identity: string) => task(identity, "api", [1], { ...options(), queue: "api" });

const claimQueued = async (journal: Journal, owner = "engine-a", limit = 100) =>
  (await journal.claimQueuedTasks({ owner, queues: ["api"], limit, activityNames: ["api"] }))[0];

const complete = (journal: Journal, claim: TaskClaim) =>
  journal.finishTask(
    { taskId: claim.taskId, attempt: claim.attempt, attemptToken: claim.attemptToken },
    { kind: "completed", result: null },
  );

/**
 * Activity tasks routed to a named queue (claimQueuedTasks: concurrency, per-engine
 * concurrency, rate limit; claimTasks and the sticky fast path leave them alone), partitioned
 * run queues, and a queued run's successor (continue-as-new) waiting in its queue.
 */
export function activityQueueConformance(h: HarnessRef): void {
  describe("activity queues and partitioned run queues", () => {
    it("claims queued tasks only through claimQueuedTasks, at most `concurrency` running at once", async () => {
      const { journal } = h();
      await journal.defineQueues([{ name: "api", concurrency: 2 }]);
      const runId = await runWithTasks(journal, [queued("a#0"), queued("a#1"), queued("a#2")]);
      expect(await journal.claimTasks({ owner: "worker-1", limit: 100 })).toEqual([]);
      const first = await claimQueued(journal);
      expect(first?.claims).toHaveLength(2);
      // The read model says what the run waits for: a pending task of queue "api".
      const tasks = await inspectorOf(journal).listTasks(runId);
      expect(tasks.map((t) => `${t.status} ${t.queue}`).sort()).toEqual([
        "pending api",
        "running api",
        "running api",
      ]);
      expect(first).toMatchObject({ throttled: "concurrency", moreDue: true });
      expect(await claimQueued(journal, "engine-b")).toMatchObject({ claims: [], throttled: "concurrency" });
      expect((await journal.listQueues())[0]?.activities).toEqual({ waiting: 1, running: 2 });
      await complete(journal, first!.claims[0]!);
      const next = await claimQueued(journal, "engine-b");
      expect(next?.claims).toHaveLength(1);
      // Held back, not failed: the attempt it got is its first.
      expect(next?.claims[0]?.attempt).toBe(1);
    });

    it("bounds one engine's running attempts with perEngineConcurrency", async () => {
      const { journal } = h();
      await journal.defineQueues([{ name: "api", perEngineConcurrency: 1 }]);
      await runWithTasks(journal, [queued("a#0"), queued("a#1")]);
      expect(await claimQueued(journal, "engine-a")).toMatchObject({
        throttled: "per_engine_concurrency",
      });
      expect((await claimQueued(journal, "engine-b"))?.claims).toHaveLength(1);
    });

    it("starts at most `limit` attempts per period, retries included (a sliding window by the journal clock)", async () => {
      const { journal, advance } = h();
      await journal.defineQueues([{ name: "api", rateLimit: { limit: 2, periodMs: 10_000 } }]);
      await runWithTasks(journal, [queued("a#0"), queued("a#1"), queued("a#2")]);
      const first = await claimQueued(journal);
      expect(first).toMatchObject({ throttled: "rate_limit", moreDue: true });
      expect(first?.claims).toHaveLength(2);
      // A retry due at once is still inside the window: it waits like the third task.
      const [retried] = first!.claims;
      await journal.finishTask(
        { taskId: retried!.taskId, attempt: retried!.attempt, attemptToken: retried!.attemptToken },
        { kind: "retry", error: { name: "Error", message: "503" }, delayMs: 0 },
      );
      await complete(journal, first!.claims[1]!);
      expect(await claimQueued(journal)).toMatchObject({ claims: [], throttled: "rate_limit" });
      await advance(10_001);
      expect((await claimQueued(journal))?.claims).toHaveLength(2);
    });

    it("never creates a queued task claimed by the committing engine (sticky fast path)", async () => {
      const { journal } = h();
      await journal.defineQueues([{ name: "api", concurrency: 1 }]);
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId);
      const result = await journal.commitStep({
        ...stepCommit(claim, { tasks: [{ ...queued("a#0"), claim: true }] }),
      });
      expect(result.claimedTasks ?? []).toEqual([]);
      expect((await claimQueued(journal))?.claims).toHaveLength(1);
    });

    it("applies a partitioned queue's limits per partition key", async () => {
      const { journal } = h();
      await journal.defineQueues([{ name: "p", partitioned: true, concurrency: 1 }]);
      const into = (key: string) => start(journal, { queue: { name: "p", partitionKey: key } });
      const a1 = await into("a");
      await into("a");
      const b1 = await into("b");
      const got = (await journal.dequeueRuns({ owner: "engine-a", queues: ["p"], limit: 100 }))[0];
      expect([...(got?.runIds ?? [])].sort()).toEqual([a1.runId, b1.runId].sort());
      expect(got).toMatchObject({ throttled: "concurrency", moreDue: true });
      const [info] = await journal.listQueues();
      expect(info).toMatchObject({ partitioned: true, backlog: 1, running: 2 });
      expect(info?.partitions).toEqual([
        { key: "a", backlog: 1, running: 1 },
        { key: "b", backlog: 0, running: 1 },
      ]);
    });

    it("queues a queued run's successor (continue-as-new) with its priority and partition", async () => {
      const { journal } = h();
      await journal.defineQueues([{ name: "p", partitioned: true, concurrency: 1 }]);
      const run = await start(journal, { queue: { name: "p", priority: 7, partitionKey: "k" } });
      await journal.dequeueRuns({ owner: "engine-a", queues: ["p"], limit: 100 });
      const claim = await claimRun(journal, run.runId);
      const next = crypto.randomUUID();
      await journal.commitStep(
        stepCommit(claim, {
          events: [{ kind: "run_continued", nextRunId: next, input: 2 }],
          status: "continued",
          continuedTo: next,
        }),
      );
      // Not claimable: it waits in the queue, in its partition.
      const claims = await journal.claimRuns({ owner: "engine-a", limit: 100, leaseMs: 60_000 });
      expect(claims.map((c) => c.run.runId)).not.toContain(next);
      expect((await journal.listQueues())[0]?.partitions).toEqual([{ key: "k", backlog: 1, running: 0 }]);
      const got = (await journal.dequeueRuns({ owner: "engine-a", queues: ["p"], limit: 100 }))[0];
      expect(got?.runIds).toEqual([next]);
    });
  });
}
