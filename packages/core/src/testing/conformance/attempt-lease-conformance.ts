import { describe, expect, it } from "vitest";
import type { Journal, RunClaim, StepCommit, TaskAttemptRef, TaskClaim } from "../../journal/journal.ts";
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
const lease = { attemptLeaseMs: 3_000 };

/** A long activity without a heartbeat timeout: only the engine's lease can end it early. */
const long = options({ startToCloseMs: 300_000, maxAttempts: 3 });

/** Claims every due task with the engine lease and returns the one for `identity`. */
async function claimLeased(journal: Journal, runId: string, identity: string, owner = "engine-a") {
  const claims = await journal.claimTasks({ owner, limit: 100, ...lease });
  const claim = claims.find((c) => c.runId === runId && c.identity === identity);
  expect(claim, `expected task ${identity} to be claimable`).toBeDefined();
  return claim!;
}

/** The attempt part of a claim: what `heartbeatTasks` lists. */
function ref(claim: TaskAttemptRef): TaskAttemptRef {
  return { taskId: claim.taskId, attempt: claim.attempt, attemptToken: claim.attemptToken };
}

/** A second step of `runId` (made ready by a signal), with `extra` merged into the commit. */
async function nextStep(
  journal: Journal,
  runId: string,
  extra: (claim: RunClaim) => Partial<StepCommit>,
): Promise<void> {
  await journal.sendSignal({ runId, name: "next", payload: null });
  const claim = await claimRun(journal, runId);
  await journal.commitStep({ ...stepCommit(claim), ...extra(claim) });
}

/**
 * The engine's attempt lease (`attemptLeaseMs` on claims, renewals in `heartbeatTasks`) and
 * withdrawn attempts (`HeartbeatTasksResult.withdrawn`): an engine that dies loses its attempts
 * after its lease, not after start-to-close; an attempt whose call the run withdrew hears it in
 * the answer to its engine's next flush, whichever engine stepped the run.
 */
export function attemptLeaseConformance(h: HarnessRef): void {
  describe("engine attempt lease", () => {
    it("an attempt its engine stops renewing is retried after the lease, not after start-to-close", async () => {
      const { journal, advance } = h();
      const runId = await runWithTasks(journal, [task(a, "act", [], long)]);
      const first = await claimLeased(journal, runId, a);
      expect(first.deadline - (await journal.now())).toBeLessThanOrEqual(3_000);
      await advance(2_500);
      expect(await journal.claimTasks({ owner: "engine-b", limit: 10 })).toEqual([]);
      await advance(1_000); // the engine died: 3.5 s without a renewal
      const second = await claimLeased(journal, runId, a, "engine-b");
      expect(second.attempt).toBe(2);
      expect((await journal.heartbeatTasks([{ claim: first, renew: true }], lease)).refused).toEqual([first]);
    });

    it("renewals keep a silent attempt alive past its lease, up to start-to-close", async () => {
      const { journal, advance } = h();
      const opts = options({ startToCloseMs: 10_000, maxAttempts: 3 });
      const runId = await runWithTasks(journal, [task(a, "act", [], opts)]);
      const claim = await claimLeased(journal, runId, a);
      for (let i = 0; i < 4; i++) {
        await advance(2_000);
        const { refused } = await journal.heartbeatTasks([{ claim, renew: true }], lease);
        expect(refused).toEqual([]);
        expect(await journal.claimTasks({ owner: "engine-b", limit: 10 })).toEqual([]);
      }
      await advance(2_500); // 10.5 s: start-to-close passed although the lease was renewed
      expect((await journal.heartbeatTasks([{ claim, renew: true }], lease)).refused).toEqual([claim]);
      expect((await claimTask(journal, runId, a)).attempt).toBe(2);
    });

    it("a renewal does not count as the activity's heartbeat: the heartbeat timeout still applies", async () => {
      const { journal, advance } = h();
      const opts = options({ startToCloseMs: 300_000, heartbeatTimeoutMs: 5_000, maxAttempts: 3 });
      const runId = await runWithTasks(journal, [task(a, "act", [], opts)]);
      const claim = await claimLeased(journal, runId, a);
      await advance(2_000);
      await journal.heartbeatTasks([{ claim, details: "at 2 s" }], lease); // a real heartbeat at 2 s
      for (let i = 0; i < 2; i++) {
        await advance(2_000);
        expect((await journal.heartbeatTasks([{ claim, renew: true }], lease)).refused).toEqual([]);
      }
      await advance(1_500); // 7.5 s: 5.5 s since the last heartbeat
      const retried = await claimTask(journal, runId, a);
      expect(retried).toMatchObject({ attempt: 2, lastHeartbeatDetails: "at 2 s" });
    });

    it("a last attempt lost with its engine fails with an engine_lease timeout", async () => {
      const { journal, advance } = h();
      const runId = await runWithTasks(journal, [task(a, "act", [], options({ maxAttempts: 1 }))]);
      await claimLeased(journal, runId, a);
      await advance(3_500);
      expect(await journal.claimTasks({ owner: "engine-b", limit: 10 })).toEqual([]);
      const failed = (await inboxOf(journal, runId)).map((item) => item.event);
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({
        kind: "activity_failed",
        identity: a,
        attempts: 1,
        error: { code: "CTM_TIMEOUT", data: { data: { kind: "engine_lease" } } },
      });
    });

    it("a flush without attemptLeaseMs leaves the attempt unleased: only its timeouts bound it", async () => {
      const { journal, advance } = h();
      const runId = await runWithTasks(journal, [task(a, "act", [], options({ startToCloseMs: 20_000 }))]);
      const claim = await claimLeased(journal, runId, a);
      await journal.heartbeatTasks([{ claim, details: 1 }]);
      await advance(10_000); // past the 3 s lease
      expect(await journal.claimTasks({ owner: "engine-b", limit: 10 })).toEqual([]);
      await advance(10_500); // past start-to-close
      expect((await claimTask(journal, runId, a)).attempt).toBe(2);
    });

    it("a task created claimed gets the step's attemptLeaseMs", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId);
      const result = await journal.commitStep({
        ...stepCommit(claim, { tasks: [{ ...task(a, "act", [], long), claim: true }], leaseMs: 60_000 }),
        attemptLeaseMs: 3_000,
      });
      const own: TaskClaim = result.claimedTasks![0]!;
      expect(own.deadline - (await journal.now())).toBeLessThanOrEqual(3_000);
      await advance(3_500);
      const retried = await journal.claimTasks({ owner: "engine-b", limit: 10 });
      expect(retried.map((c) => [c.identity, c.attempt])).toEqual([[a, 2]]);
    });
  });

  describe("withdrawn attempts", () => {
    it("a running attempt whose call a step cancelled is reported withdrawn; its sibling is not; its result still lands", async () => {
      const { journal } = h();
      const runId = await runWithTasks(journal, [task(a, "act", [], long), task(b, "act", [], long)]);
      const attemptA = await claimLeased(journal, runId, a); // claims b too, which runs on
      const before = await journal.heartbeatTasks([{ claim: attemptA, renew: true }], lease);
      expect(before.withdrawn ?? []).toEqual([]);
      // Another engine steps the run and withdraws a's call.
      await nextStep(journal, runId, () => ({ cancelTasks: [a] }));
      const after = await journal.heartbeatTasks([{ claim: attemptA, renew: true }], lease);
      expect(after.refused).toEqual([]);
      expect(after.withdrawn).toEqual([ref(attemptA)]);
      expect((await journal.heartbeatTasks([{ claim: attemptA, details: 1 }])).withdrawn).toEqual([
        ref(attemptA),
      ]);
      await journal.finishTask(attemptA, { kind: "completed", result: "late" });
      expect((await inboxOf(journal, runId)).map((i) => i.event)).toContainEqual({
        kind: "activity_completed",
        identity: a,
        result: "late",
        attempts: 1,
      });
    });

    it("only the withdrawn attempt of a batch is listed", async () => {
      const { journal } = h();
      const runId = await runWithTasks(journal, [task(a, "act", [], long), task(b, "act", [], long)]);
      const claims = await journal.claimTasks({ owner: "engine-a", limit: 10, ...lease });
      const ca = claims.find((c) => c.identity === a)!;
      const cb = claims.find((c) => c.identity === b)!;
      await nextStep(journal, runId, () => ({ cancelTasks: [b] }));
      const result = await journal.heartbeatTasks([{ claim: ca }, { claim: cb, renew: true }], lease);
      expect(result).toEqual({ refused: [], withdrawn: [ref(cb)] });
    });

    it("attempts of a run that ended (cancelled by its step) are withdrawn; a detached task is not", async () => {
      const { journal } = h();
      const runId = await runWithTasks(journal, [task(a, "act", [], long)]);
      const running = await claimLeased(journal, runId, a);
      await nextStep(journal, runId, () => ({
        tasks: [task(b, "act", [], long)],
        events: [{ kind: "run_cancelled", reason: "stop" }],
        run: { status: "cancelled" },
      }));
      const detached = await claimLeased(journal, runId, b);
      const result = await journal.heartbeatTasks(
        [
          { claim: running, renew: true },
          { claim: detached, renew: true },
        ],
        lease,
      );
      expect(result).toEqual({ refused: [], withdrawn: [ref(running)] });
    });
  });
}
