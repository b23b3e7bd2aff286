import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import { InboxNotEmptyError, LeaseLostError, StaleAttemptError } from "../../errors/journal-errors.ts";
import type { RunClaim, StepCommit, TaskClaim } from "../../journal/journal.ts";
import type { HistoryEventBody } from "../../model/index.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import {
  claimRun,
  expectRejects,
  runWithClaimedTasks,
  inboxOf,
  options,
  scheduledEvent,
  start,
  stepCommit,
  task,
} from "./conformance-harness.ts";

const first = "activity:act#0@0";
const second = "activity:act#1@0";

/** A step that delivers our own attempts' results (the sticky fast path's commit). */
function finishingStep(
  claim: RunClaim,
  lastSeq: number,
  finished: readonly { claim: TaskClaim; result: number }[],
  extra: Partial<StepCommit> = {},
): StepCommit {
  const events: HistoryEventBody[] = finished.map(({ claim: c, result }) => ({
    kind: "activity_completed",
    identity: c.identity,
    result,
    attempts: c.attempt,
  }));
  return {
    ...stepCommit(claim, { events, lastSeq, delivered: [] }),
    finishTasks: finished.map(({ claim: c, result }) => ({
      claim: { taskId: c.taskId, attempt: c.attempt, attemptToken: c.attemptToken },
      outcome: { kind: "completed", result },
    })),
    ...extra,
  };
}

/** Sticky fast path: tasks created claimed by the committing engine, and finished inside a step commit. */
export function stickyConformance(h: HarnessRef): void {
  describe("sticky fast path", () => {
    it("a task created with claim comes back claimed by the committer (attempt 1, token, deadline) and no one else claims it", async () => {
      const { journal } = h();
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId);
      const before = await journal.now();
      const claimedTask = {
        ...task(first, "act", [1], options({ startToCloseMs: 20_000 })),
        claim: true as const,
      };
      const plain = task(second);
      const result = await journal.commitStep(stepCommit(claim, { tasks: [claimedTask, plain] }));
      const after = await journal.now();
      expect(result.claimedTasks).toHaveLength(1);
      const own = result.claimedTasks![0]!;
      expect(own).toMatchObject({
        runId: run.runId,
        identity: first,
        activityName: "act",
        args: [1],
        attempt: 1,
        options: claimedTask.options,
      });
      expect(own.attemptToken).toBeTruthy();
      expect(own.deadline).toBeGreaterThanOrEqual(before + 20_000);
      expect(own.deadline).toBeLessThanOrEqual(after + 20_000);
      const others = await journal.claimTasks({ owner: "worker-2", limit: 10 });
      expect(others.map((c) => c.identity)).toEqual([second]);
      // The claimed attempt is live: finishTask accepts it like any claim.
      await journal.finishTask(own, { kind: "completed", result: 7 });
      expect((await inboxOf(journal, run.runId)).map((i) => i.event)).toEqual([
        { kind: "activity_completed", identity: first, result: 7, attempts: 1 },
      ]);
    });

    it("a step without claimed tasks returns no claimedTasks", async () => {
      const { journal } = h();
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId);
      const result = await journal.commitStep(stepCommit(claim, { tasks: [task(first)] }));
      expect(result.claimedTasks ?? []).toEqual([]);
    });

    it("finishTasks closes the attempts in the step: events written, no inbox item, the task is done and its token stale", async () => {
      const { journal } = h();
      const { claim, claimed, lastSeq } = await runWithClaimedTasks(journal, [first, second]);
      const [a, b] = claimed as [TaskClaim, TaskClaim];
      const result = await journal.commitStep(
        finishingStep(claim, lastSeq, [
          { claim: a, result: 1 },
          { claim: b, result: 2 },
        ]),
      );
      expect(result.lastSeq).toBe(lastSeq + 2);
      const history = await journal.readHistory(claim.run.runId, lastSeq);
      expect(history.map((e) => [e.kind, e.seq])).toEqual([
        ["activity_completed", lastSeq + 1],
        ["activity_completed", lastSeq + 2],
      ]);
      expect(await inboxOf(journal, claim.run.runId)).toEqual([]);
      await expectRejects(
        journal.finishTask(a, { kind: "completed", result: 9 }),
        ErrorCode.StaleAttempt,
        StaleAttemptError,
      );
      const owner = await journal.getRun(claim.run.runId);
      expect(owner?.leaseOwner).toBe("engine-a");
    });

    it("a failed outcome in finishTasks closes the task for good", async () => {
      const { journal, advance } = h();
      const { claim, claimed, lastSeq } = await runWithClaimedTasks(journal, [first]);
      const a = claimed[0]!;
      const error = { name: "PaymentDeclined", message: "card" };
      await journal.commitStep({
        ...stepCommit(claim, {
          events: [{ kind: "activity_failed", identity: first, error, attempts: 1 }],
          lastSeq,
          delivered: [],
        }),
        finishTasks: [{ claim: a, outcome: { kind: "failed", error } }],
      });
      await advance(120_000);
      expect(await journal.claimTasks({ owner: "w", limit: 10 })).toEqual([]);
      expect(await inboxOf(journal, claim.run.runId)).toEqual([]);
    });

    it("one stale attempt fails the whole step with StaleAttemptError, and nothing is written", async () => {
      const { journal } = h();
      const { claim, claimed, lastSeq } = await runWithClaimedTasks(journal, [first, second]);
      const [a, b] = claimed as [TaskClaim, TaskClaim];
      const stale = { ...b, attemptToken: "00000000-0000-4000-8000-000000000000" };
      await expectRejects(
        journal.commitStep(
          finishingStep(claim, lastSeq, [
            { claim: a, result: 1 },
            { claim: stale, result: 2 },
          ]),
        ),
        ErrorCode.StaleAttempt,
        StaleAttemptError,
      );
      expect((await journal.getRun(claim.run.runId))?.lastSeq).toBe(lastSeq);
      // Both attempts are still current: the fallback reports them with finishTask.
      await journal.finishTask(a, { kind: "completed", result: 1 });
      await journal.finishTask(b, { kind: "completed", result: 2 });
      expect((await inboxOf(journal, claim.run.runId)).map((i) => i.event.kind)).toEqual([
        "activity_completed",
        "activity_completed",
      ]);
    });

    it("an attempt of another run, or one listed twice, is refused as stale", async () => {
      const { journal } = h();
      const mine = await runWithClaimedTasks(journal, [first]);
      const other = await runWithClaimedTasks(journal, [first]);
      const foreign = other.claimed[0]!;
      await expectRejects(
        journal.commitStep(finishingStep(mine.claim, mine.lastSeq, [{ claim: foreign, result: 1 }])),
        ErrorCode.StaleAttempt,
        StaleAttemptError,
      );
      const own = mine.claimed[0]!;
      await expectRejects(
        journal.commitStep(
          finishingStep(mine.claim, mine.lastSeq, [
            { claim: own, result: 1 },
            { claim: own, result: 1 },
          ]),
        ),
        ErrorCode.StaleAttempt,
        StaleAttemptError,
      );
      expect((await journal.getRun(mine.claim.run.runId))?.lastSeq).toBe(mine.lastSeq);
    });

    it("an attempt whose deadline passed is stale; claimTasks starts attempt 2", async () => {
      const { journal, advance } = h();
      const { claim, claimed, lastSeq } = await runWithClaimedTasks(
        journal,
        [first],
        options({ startToCloseMs: 5_000 }),
      );
      await advance(6_000);
      const retried = await journal.claimTasks({ owner: "worker-2", limit: 10 });
      expect(retried.map((c) => [c.identity, c.attempt])).toEqual([[first, 2]]);
      await expectRejects(
        journal.commitStep(finishingStep(claim, lastSeq, [{ claim: claimed[0]!, result: 1 }])),
        ErrorCode.StaleAttempt,
        StaleAttemptError,
      );
    });

    it("under a lost lease the step throws LeaseLostError, and the attempt can still be reported with finishTask", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId, "engine-a", 5_000);
      const result = await journal.commitStep(
        stepCommit(claim, { tasks: [{ ...task(first), claim: true }] }),
      );
      const own = result.claimedTasks![0]!;
      await advance(6_000); // lease gone; the attempt (30 s) still live
      await journal.sendSignal({ runId: run.runId, name: "poke", payload: null });
      const takeover = await claimRun(journal, run.runId, "engine-b");
      expect(takeover.lease.fencingToken).toBeGreaterThan(claim.lease.fencingToken);
      await expectRejects(
        journal.commitStep(finishingStep(claim, result.lastSeq, [{ claim: own, result: 3 }])),
        ErrorCode.LeaseLost,
        LeaseLostError,
      );
      await journal.finishTask(own, { kind: "completed", result: 3 });
      const inbox = await inboxOf(journal, run.runId, "engine-b");
      expect(inbox.map((i) => i.event.kind)).toEqual(["signal_received", "activity_completed"]);
    });

    it("requireEmptyInbox refuses a step while undelivered items wait, writing nothing", async () => {
      const { journal } = h();
      const { claim, claimed, lastSeq } = await runWithClaimedTasks(journal, [first]);
      await journal.sendSignal({ runId: claim.run.runId, name: "poke", payload: null });
      await expectRejects(
        journal.commitStep(
          finishingStep(claim, lastSeq, [{ claim: claimed[0]!, result: 1 }], { requireEmptyInbox: true }),
        ),
        ErrorCode.InboxNotEmpty,
        InboxNotEmptyError,
      );
      expect((await journal.getRun(claim.run.runId))?.lastSeq).toBe(lastSeq);
      // Without pending items the same kind of step commits.
      const fresh = await runWithClaimedTasks(journal, [first]);
      const done = await journal.commitStep(
        finishingStep(fresh.claim, fresh.lastSeq, [{ claim: fresh.claimed[0]!, result: 1 }], {
          requireEmptyInbox: true,
        }),
      );
      expect(done.lastSeq).toBe(fresh.lastSeq + 1);
    });

    it("requireEmptyInbox with delivered items (a signal from a hint): older items must not be skipped, a delivered one must still be there", async () => {
      const { journal } = h();
      const run = await start(journal);
      await journal.commitStep(stepCommit(await claimRun(journal, run.runId)));
      await journal.sendSignal({ runId: run.runId, name: "a", payload: 1 });
      await journal.sendSignal({ runId: run.runId, name: "b", payload: 2 });
      const claim = await claimRun(journal, run.runId);
      const [older, newer] = claim.inbox;
      const deliver = (item: typeof older, lastSeq: number): StepCommit => ({
        ...stepCommit(claim, { events: [item!.event], delivered: [item!.id], lastSeq }),
        requireEmptyInbox: true,
      });
      await expectRejects(journal.commitStep(deliver(newer, 1)), ErrorCode.InboxNotEmpty, InboxNotEmptyError);
      expect((await journal.getRun(run.runId))?.lastSeq).toBe(1);
      const done = await journal.commitStep(deliver(older, 1));
      expect(done.lastSeq).toBe(2);
      // The newer item is still waiting and the run still ready: the next claim delivers it.
      const again = await claimRun(journal, run.runId);
      expect(again.inbox.map((item) => item.event)).toEqual([newer!.event]);
      await expectRejects(journal.commitStep(deliver(older, 2)), ErrorCode.InboxNotEmpty, InboxNotEmptyError);
      expect((await journal.readHistory(run.runId)).map((e) => e.kind)).toEqual([
        "run_started",
        "signal_received",
      ]);
    });

    it("a completed result with an idempotency key is stored by finishTasks and answers the next task with that key", async () => {
      const { journal } = h();
      const keyed = options({ idempotencyKey: "charge-o-1" });
      const { claim, claimed, lastSeq } = await runWithClaimedTasks(journal, [first], keyed);
      await journal.commitStep(finishingStep(claim, lastSeq, [{ claim: claimed[0]!, result: 42 }]));
      const other = await start(journal);
      const otherClaim = await claimRun(journal, other.runId);
      const reuse = { ...task(first, "act", [first], keyed), claim: true as const };
      const result = await journal.commitStep(
        stepCommit(otherClaim, { tasks: [reuse], events: [scheduledEvent(reuse)] }),
      );
      expect(result.claimedTasks ?? []).toEqual([]);
      expect((await inboxOf(journal, other.runId)).map((i) => i.event)).toEqual([
        { kind: "activity_completed", identity: first, result: 42, attempts: 0 },
      ]);
    });
  });
}
