import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import { LeaseLostError, StaleAttemptError } from "../../errors/journal-errors.ts";
import type { Journal, RunClaim, StepCommit, TaskClaim } from "../../journal/journal.ts";
import type { HistoryEventBody } from "../../model/index.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import {
  claimRun,
  expectRejects,
  options,
  runWithClaimedTasks,
  start,
  stepCommit,
  task,
} from "./conformance-harness.ts";
import { inspectorOf } from "./inspector-conformance.ts";

const first = "activity:act#0@0";
const second = "activity:act#1@0";

/** Starts a run and commits a first step whose tasks are in-process attempts of engine-a. */
function runWithInProcess(journal: Journal, identities: readonly string[], opts = options()) {
  return runWithClaimedTasks(journal, identities, opts, true);
}

/** A step that delivers in-process attempts' results. */
function finishing(
  claim: RunClaim,
  lastSeq: number,
  finished: readonly { claim: TaskClaim; result: number }[],
): StepCommit {
  const events: HistoryEventBody[] = finished.map(({ claim: c, result }) => ({
    kind: "activity_completed",
    identity: c.identity,
    result,
    attempts: c.attempt,
  }));
  return {
    ...stepCommit(claim, { events, lastSeq, delivered: [], leaseMs: 60_000 }),
    finishTasks: finished.map(({ claim: c, result }) => ({
      claim: {
        taskId: c.taskId,
        attempt: c.attempt,
        attemptToken: c.attemptToken,
        inProcess: true,
        identity: c.identity,
      },
      outcome: { kind: "completed", result },
    })),
    requireEmptyInbox: true,
  };
}

/** In-process attempts (NewTask.inProcess): no task row, counted on the run, persisted or re-issued on demand. */
export function inProcessConformance(h: HarnessRef): void {
  describe("in-process attempts", () => {
    it("a step creates them without task rows: claims come back, nobody else can claim them", async () => {
      const { journal } = h();
      const { claim, claimed } = await runWithInProcess(journal, [first, second]);
      expect(claimed.map((c) => [c.identity, c.attempt, c.inProcess])).toEqual([
        [first, 1, true],
        [second, 1, true],
      ]);
      expect(new Set(claimed.map((c) => c.taskId)).size).toBe(2);
      expect(await journal.claimTasks({ owner: "worker-1", limit: 10 })).toEqual([]);
      const tasks = await inspectorOf(journal).listTasks(claim.run.runId);
      expect(tasks.map((t) => [t.identity, t.status, t.fromHistory])).toEqual([
        [first, "running", true],
        [second, "running", true],
      ]);
    });

    it("a later step finishes them: events written, the run's count back to zero, no rows", async () => {
      const { journal } = h();
      const { claim, claimed, lastSeq } = await runWithInProcess(journal, [first]);
      const done = await journal.commitStep(finishing(claim, lastSeq, [{ claim: claimed[0]!, result: 7 }]));
      expect(done.lastSeq).toBe(lastSeq + 1);
      const history = await journal.readHistory(claim.run.runId);
      expect(history.at(-1)).toMatchObject({ kind: "activity_completed", identity: first, result: 7 });
      const tasks = await inspectorOf(journal).listTasks(claim.run.runId);
      expect(tasks.map((t) => [t.status, t.attempt, t.fromHistory])).toEqual([["completed", 1, true]]);
      // Nothing left to re-issue: the next claim finds a count of zero.
      await journal.sendSignal({ runId: claim.run.runId, name: "poke", payload: 1 });
      const taken = await claimRun(journal, claim.run.runId);
      expect(taken.inProcessCalls).toBeUndefined();
    });

    it("persisting gives an attempt its row, claimed by its engine, finishable with finishTask", async () => {
      const { journal } = h();
      const { claim, claimed } = await runWithInProcess(journal, [first, second]);
      const attempt = claimed[0]!;
      expect(await journal.persistAttempts({ owner: "engine-a", attempts: [attempt] })).toEqual([
        attempt.taskId,
      ]);
      const rows = (await inspectorOf(journal).listTasks(claim.run.runId)).filter(
        (t) => t.fromHistory !== true,
      );
      expect(rows.map((t) => [t.taskId, t.status, t.attempt])).toEqual([[attempt.taskId, "running", 1]]);
      const ref = { taskId: attempt.taskId, attempt: 1, attemptToken: attempt.attemptToken };
      await journal.finishTask(ref, { kind: "completed", result: 3 });
      const taken = await claimRun(journal, claim.run.runId);
      expect(taken.inbox.map((i) => i.event)).toEqual([
        { kind: "activity_completed", identity: first, result: 3, attempts: 1 },
      ]);
      expect(taken.inProcessCalls).toEqual([second]); // the second one still runs in-process
    });

    it("a persisted attempt is no longer the run's in-process: a step finishing it so is refused", async () => {
      const { journal } = h();
      const { claim, claimed, lastSeq } = await runWithInProcess(journal, [first]);
      const attempt = claimed[0]!;
      expect(await journal.persistAttempts({ owner: "engine-a", attempts: [attempt] })).toHaveLength(1);
      await expectRejects(
        journal.commitStep(finishing(claim, lastSeq, [{ claim: attempt, result: 1 }])),
        ErrorCode.StaleAttempt,
        StaleAttemptError,
      );
      expect((await journal.readHistory(claim.run.runId)).at(-1)?.kind).toBe("activity_scheduled");
    });

    it("a step that ends the run clears its list: nothing is woken or due for it afterwards", async () => {
      const { journal, advance } = h();
      const { claim, lastSeq } = await runWithInProcess(journal, [first, second]);
      await journal.commitStep({
        ...stepCommit(claim, { events: [], lastSeq, delivered: [], status: "completed", result: 1 }),
      });
      expect(await journal.nextDueAt()).toBeUndefined();
      await advance(120_000);
      expect(await journal.fireDueTimers(10)).toBe(0);
    });

    it("persisting is refused once another engine holds the run", async () => {
      const { journal, advance } = h();
      const { claim, claimed } = await runWithInProcess(journal, [first]);
      await advance(61_000);
      await journal.sendSignal({ runId: claim.run.runId, name: "poke", payload: 1 });
      await claimRun(journal, claim.run.runId, "engine-b");
      expect(await journal.persistAttempts({ owner: "engine-a", attempts: [claimed[0]!] })).toEqual([]);
      expect(
        (await inspectorOf(journal).listTasks(claim.run.runId)).every((t) => t.fromHistory === true),
      ).toBe(true);
    });

    it("a takeover re-issues them as abandoned attempts 1: claimTasks starts attempt 2", async () => {
      const { journal, advance } = h();
      const { claim } = await runWithInProcess(journal, [first, second], options({ maxAttempts: 3 }));
      await advance(61_000);
      await journal.sendSignal({ runId: claim.run.runId, name: "poke", payload: 1 });
      const taken = await claimRun(journal, claim.run.runId, "engine-b");
      expect([...(taken.inProcessCalls ?? [])].sort()).toEqual([first, second]);
      const history = await journal.readHistory(claim.run.runId);
      const calls = history.flatMap((e) =>
        e.kind === "activity_scheduled"
          ? [{ identity: e.identity, activityName: e.activityName, args: e.args, options: e.options }]
          : [],
      );
      expect(await journal.reissueAttempts({ lease: taken.lease, tasks: calls, keep: [] })).toBe(2);
      // Twice is harmless: the rows exist.
      expect(await journal.reissueAttempts({ lease: taken.lease, tasks: calls, keep: [] })).toBe(0);
      const claims = await journal.claimTasks({ owner: "worker-1", limit: 10 });
      expect(claims.map((c) => [c.identity, c.attempt]).sort()).toEqual([
        [first, 2],
        [second, 2],
      ]);
      await journal.releaseRun(taken.lease);
      expect((await claimRun(journal, claim.run.runId, "engine-c")).inProcessCalls).toBeUndefined();
    });

    it("the timer wheel wakes a run whose engine's lease ran out with attempts in-process, not before", async () => {
      const { journal, advance } = h();
      const { claim } = await runWithInProcess(journal, [first]);
      const leaseEnd = (await journal.getRun(claim.run.runId))!.leaseExpiresAt!;
      expect(await journal.nextDueAt()).toBe(leaseEnd);
      expect(await journal.fireDueTimers(10)).toBe(0);
      expect(await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 60_000 })).toEqual([]);
      await advance(61_000);
      expect(await journal.fireDueTimers(10)).toBe(1);
      const taken = await claimRun(journal, claim.run.runId, "engine-b");
      expect(taken.inProcessCalls).toEqual([first]);
      expect(taken.inbox).toEqual([]);
      expect(await journal.fireDueTimers(10)).toBe(0); // ready already, and now leased again
    });

    it("a run given back with a back-off while it lists calls: woken once, nothing due before the back-off ends", async () => {
      const { journal, advance } = h();
      const { claim } = await runWithInProcess(journal, [first]);
      await journal.releaseRun(claim.lease, { notBeforeMs: 30_000 });
      await journal.fireDueTimers(10);
      const now = await journal.now();
      const due = await journal.nextDueAt();
      expect(due === undefined || due > now).toBe(true);
      expect(await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 60_000 })).toEqual([]);
      await advance(31_000);
      await journal.fireDueTimers(10);
      const taken = await claimRun(journal, claim.run.runId, "engine-b");
      expect(taken.inProcessCalls).toEqual([first]);
    });

    it("a re-issue keeps on the list only the kept calls the run still lists", async () => {
      const { journal, advance } = h();
      const { claim, claimed } = await runWithInProcess(journal, [first, second]);
      await advance(61_000);
      await journal.sendSignal({ runId: claim.run.runId, name: "poke", payload: 1 });
      const taken = await claimRun(journal, claim.run.runId, "engine-a");
      // engine-a still runs both; one gets its row before the re-issue lands.
      expect(await journal.persistAttempts({ owner: "engine-a", attempts: [claimed[1]!] })).toHaveLength(1);
      await journal.reissueAttempts({ lease: taken.lease, tasks: [], keep: [first, second] });
      await journal.sendSignal({ runId: claim.run.runId, name: "poke", payload: 2 });
      expect((await claimRun(journal, claim.run.runId, "engine-a")).inProcessCalls).toEqual([first]);
    });

    it("a persist whose answer was lost counts the row it wrote when asked again", async () => {
      const { journal } = h();
      const { claimed } = await runWithInProcess(journal, [first]);
      const attempt = claimed[0]!;
      expect(await journal.persistAttempts({ owner: "engine-a", attempts: [attempt] })).toEqual([
        attempt.taskId,
      ]);
      expect(await journal.persistAttempts({ owner: "engine-a", attempts: [attempt] })).toEqual([
        attempt.taskId,
      ]);
      const other = { ...attempt, attemptToken: crypto.randomUUID() };
      expect(await journal.persistAttempts({ owner: "engine-a", attempts: [other] })).toEqual([]);
    });

    it("a re-issue of an attempt whose only try it was fails the call with a timeout", async () => {
      const { journal, advance } = h();
      const { claim } = await runWithInProcess(journal, [first], options({ maxAttempts: 1 }));
      await advance(61_000);
      await journal.sendSignal({ runId: claim.run.runId, name: "poke", payload: 1 });
      const taken = await claimRun(journal, claim.run.runId, "engine-b");
      const t = task(first, "act", [first], options({ maxAttempts: 1 }));
      await journal.reissueAttempts({ lease: taken.lease, tasks: [t], keep: [] });
      expect(await journal.claimTasks({ owner: "worker-1", limit: 10 })).toEqual([]);
      const after = await claimRun(journal, claim.run.runId, "engine-b");
      expect(after.inbox.map((i) => i.event.kind)).toContain("activity_failed");
    });

    it("a re-issue under a lease that is not current writes nothing", async () => {
      const { journal } = h();
      const { claim } = await runWithInProcess(journal, [first]);
      const stale = { ...claim.lease, fencingToken: claim.lease.fencingToken + 5 };
      await expectRejects(
        journal.reissueAttempts({ lease: stale, tasks: [task(first)], keep: [] }),
        ErrorCode.LeaseLost,
        LeaseLostError,
      );
      expect((await inspectorOf(journal).listTasks(claim.run.runId)).map((t) => t.fromHistory)).toEqual([
        true,
      ]);
    });

    it("tasks routed to a queue, with an idempotency key or a heartbeat timeout get rows even when asked", async () => {
      const { journal } = h();
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId);
      const asked = { claim: true as const, inProcess: true as const };
      const tasks = [
        { ...task(first, "act", [], options({ heartbeatTimeoutMs: 5_000 })), ...asked },
        { ...task(second, "act", [], options({ idempotencyKey: "k-1" })), ...asked },
      ];
      const result = await journal.commitStep(stepCommit(claim, { tasks, leaseMs: 60_000 }));
      expect(result.claimedTasks?.map((c) => c.inProcess)).toEqual([undefined, undefined]);
      const listed = await inspectorOf(journal).listTasks(run.runId);
      expect(listed.map((t) => t.fromHistory)).toEqual([undefined, undefined]);
    });
  });
}
