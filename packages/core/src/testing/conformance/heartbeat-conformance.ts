import { describe, expect, it } from "vitest";
import type { TaskClaim } from "../../journal/journal.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import {
  claimRun,
  claimTask,
  inboxOf,
  options,
  runWithTasks,
  start,
  stepCommit,
  task,
} from "./conformance-harness.ts";

const a = "activity:act#0@0";
const b = "activity:act#0@1";

/** A heartbeating activity's options: a short heartbeat timeout under a long start-to-close. */
const beating = options({ startToCloseMs: 300_000, heartbeatTimeoutMs: 5_000, maxAttempts: 5 });

/**
 * Batched heartbeats (`heartbeatTasks`): one call for many attempts, each fenced on its own;
 * details kept across attempts; an attempt that stops heartbeating (its engine crashed) is
 * retried after the heartbeat timeout, not start-to-close, also when it was created claimed.
 */
export function heartbeatConformance(h: HarnessRef): void {
  describe("heartbeat batches", () => {
    it("one batch moves the deadline of every current attempt and refuses the stale ones, one by one", async () => {
      const { journal, advance } = h();
      const runId = await runWithTasks(journal, [task(a, "act", [], beating), task(b, "act", [], beating)]);
      const first = await claimTask(journal, runId, a); // claims b too
      await advance(6_000); // both attempts missed their heartbeat deadline: attempt 2 takes over
      const claims = await journal.claimTasks({ owner: "worker-2", limit: 10 });
      const second = claims.find((c) => c.identity === a)!;
      const other = claims.find((c) => c.identity === b)!;
      expect([second.attempt, other.attempt]).toEqual([2, 2]);
      await advance(4_000);
      const result = await journal.heartbeatTasks([
        { claim: first, details: "late" },
        { claim: second, details: "fresh" },
        { claim: other },
      ]);
      expect(result.refused).toEqual([first]);
      // 8 s since the claims, 4 s since the heartbeat: both attempts are alive.
      await advance(4_000);
      expect(await journal.claimTasks({ owner: "worker-3", limit: 10 })).toEqual([]);
      await journal.finishTask(second, { kind: "completed", result: 1 });
      await advance(1_500); // b: 5.5 s since its heartbeat
      const retried = await journal.claimTasks({ owner: "worker-3", limit: 10 });
      expect(retried.map((c) => [c.identity, c.attempt])).toEqual([[b, 3]]);
    });

    it("an empty batch, malformed ids and finished attempts are refused without failing the batch", async () => {
      const { journal } = h();
      expect(await journal.heartbeatTasks([])).toEqual({ refused: [] });
      const runId = await runWithTasks(journal, [task(a, "act", [], beating), task(b, "act", [], beating)]);
      const claims = await journal.claimTasks({ owner: "w", limit: 10 });
      const done = claims.find((c) => c.runId === runId && c.identity === a)!;
      const live = claims.find((c) => c.runId === runId && c.identity === b)!;
      await journal.finishTask(done, { kind: "completed", result: 1 });
      const bogus = { taskId: "not-a-uuid", attempt: 1, attemptToken: "x" };
      const result = await journal.heartbeatTasks([{ claim: bogus }, { claim: done }, { claim: live }]);
      expect(result.refused).toHaveLength(2);
      expect(result.refused).toEqual(expect.arrayContaining([bogus, done]));
      await journal.finishTask(live, { kind: "completed", result: 2 });
      expect(await inboxOf(journal, runId)).toHaveLength(2);
    });

    it("the next attempt sees the last details; a heartbeat without details keeps them, null is a value", async () => {
      const { journal, advance } = h();
      const runId = await runWithTasks(journal, [task(a, "act", [], beating)]);
      const first = await claimTask(journal, runId, a);
      expect(first.lastHeartbeatDetails).toBeUndefined();
      await journal.heartbeatTasks([{ claim: first, details: { offset: 10 } }]);
      await journal.heartbeatTasks([{ claim: first }]);
      await advance(5_500);
      const second = await claimTask(journal, runId, a);
      expect(second.lastHeartbeatDetails).toEqual({ offset: 10 });
      // A task listed twice counts once: the later heartbeat wins, earlier details survive it.
      await journal.heartbeatTasks([{ claim: second, details: { offset: 20 } }, { claim: second }]);
      await journal.finishTask(second, {
        kind: "retry",
        error: { name: "Error", message: "flaky" },
        delayMs: 0,
      });
      const third = await claimTask(journal, runId, a);
      expect(third.lastHeartbeatDetails).toEqual({ offset: 20 });
      await journal.heartbeatTasks([{ claim: third, details: null }]);
      await advance(5_500);
      const fourth = await claimTask(journal, runId, a);
      expect(fourth).toHaveProperty("lastHeartbeatDetails", null);
    });

    it("a stale heartbeat writes no details: the next attempt sees the last accepted ones", async () => {
      const { journal, advance } = h();
      const runId = await runWithTasks(journal, [task(a, "act", [], beating)]);
      const first = await claimTask(journal, runId, a);
      await journal.heartbeatTasks([{ claim: first, details: "kept" }]);
      await advance(5_500);
      expect((await journal.heartbeatTasks([{ claim: first, details: "lost" }])).refused).toEqual([first]);
      expect((await claimTask(journal, runId, a)).lastHeartbeatDetails).toBe("kept");
    });

    it("start-to-close still bounds an attempt that keeps heartbeating", async () => {
      const { journal, advance } = h();
      const opts = options({ startToCloseMs: 12_000, heartbeatTimeoutMs: 5_000, maxAttempts: 5 });
      const runId = await runWithTasks(journal, [task(a, "act", [], opts)]);
      const claim = await claimTask(journal, runId, a);
      for (let i = 0; i < 3; i++) {
        await advance(4_000);
        const { refused } = await journal.heartbeatTasks([{ claim }]);
        expect(refused).toEqual(i < 2 ? [] : [claim]); // 12 s: start-to-close passed
      }
      expect((await claimTask(journal, runId, a)).attempt).toBe(2);
    });
  });

  describe("attempts of a crashed engine", () => {
    it("a task created claimed (sticky fast path) that never heartbeats is retried after the heartbeat timeout", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const lease = await claimRun(journal, run.runId);
      const result = await journal.commitStep(
        stepCommit(lease, { tasks: [{ ...task(a, "act", [], beating), claim: true }] }),
      );
      const own: TaskClaim = result.claimedTasks![0]!;
      expect(own.deadline - (await journal.now())).toBeLessThanOrEqual(5_000);
      // The engine dies here: no heartbeat, no result.
      await advance(4_000);
      expect(await journal.claimTasks({ owner: "engine-b", limit: 10 })).toEqual([]);
      await advance(1_500);
      const retried = await journal.claimTasks({ owner: "engine-b", limit: 10 });
      expect(retried.map((c) => [c.identity, c.attempt])).toEqual([[a, 2]]);
      expect((await journal.heartbeatTasks([{ claim: own }])).refused).toEqual([own]);
    });

    it("without a heartbeat timeout, a crashed engine's attempt waits for start-to-close", async () => {
      const { journal, advance } = h();
      const runId = await runWithTasks(journal, [task(a, "act", [], options({ startToCloseMs: 20_000 }))]);
      const claim = await claimTask(journal, runId, a);
      // Heartbeats of an activity without a heartbeat timeout keep details but move no deadline.
      await journal.heartbeatTasks([{ claim, details: 1 }]);
      await advance(19_000);
      expect(await journal.claimTasks({ owner: "engine-b", limit: 10 })).toEqual([]);
      await advance(1_500);
      const retried = await claimTask(journal, runId, a);
      expect(retried).toMatchObject({ attempt: 2, lastHeartbeatDetails: 1 });
    });
  });
}
