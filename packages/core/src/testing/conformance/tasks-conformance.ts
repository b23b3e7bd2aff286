import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import { StaleAttemptError } from "../../errors/journal-errors.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import {
  claimTask,
  expectRejects,
  inboxOf,
  options,
  runWithTasks,
  start,
  stepOnce,
  task,
} from "./conformance-harness.ts";

const id = "activity:act#0@0";

/** Activity tasks: claims, attempts and their tokens, retries, deadlines, heartbeats, idempotency. */
export function tasksConformance(h: HarnessRef): void {
  describe("tasks", () => {
    it("a scheduled task is claimed once, with attempt 1, a token and a deadline", async () => {
      const { journal } = h();
      const t = task(id, "payments.charge", ["o-1", 12.5], options({ startToCloseMs: 20_000 }));
      const runId = await runWithTasks(journal, [t]);
      const before = await journal.now();
      const claims = await journal.claimTasks({ owner: "worker-1", limit: 10 });
      const after = await journal.now();
      expect(claims).toHaveLength(1);
      const claim = claims[0]!;
      expect(claim).toMatchObject({
        runId,
        identity: id,
        activityName: "payments.charge",
        args: ["o-1", 12.5],
        options: t.options,
        attempt: 1,
      });
      expect(claim.attemptToken).toBeTruthy();
      expect(claim.deadline).toBeGreaterThanOrEqual(before + 20_000);
      expect(claim.deadline).toBeLessThanOrEqual(after + 20_000);
      expect(await journal.claimTasks({ owner: "worker-2", limit: 10 })).toEqual([]);
    });

    it("completing puts activity_completed in the run's inbox and makes the run ready", async () => {
      const { journal } = h();
      const runId = await runWithTasks(journal, [task(id)]);
      const claim = await claimTask(journal, runId, id);
      await journal.finishTask(claim, { kind: "completed", result: { receipt: "r-1" } });
      const inbox = await inboxOf(journal, runId);
      expect(inbox.map((i) => i.event)).toEqual([
        { kind: "activity_completed", identity: id, result: { receipt: "r-1" }, attempts: 1 },
      ]);
      await expectRejects(
        journal.finishTask(claim, { kind: "completed", result: 2 }),
        ErrorCode.StaleAttempt,
        StaleAttemptError,
      );
      expect(await inboxOf(journal, runId)).toHaveLength(1);
    });

    it("failing puts activity_failed with the error in the inbox", async () => {
      const { journal } = h();
      const runId = await runWithTasks(journal, [task(id)]);
      const claim = await claimTask(journal, runId, id);
      const error = { name: "PaymentDeclined", message: "card", data: { code: 51 } };
      await journal.finishTask(claim, { kind: "failed", error });
      expect((await inboxOf(journal, runId)).map((i) => i.event)).toEqual([
        { kind: "activity_failed", identity: id, error, attempts: 1 },
      ]);
      expect(await journal.claimTasks({ owner: "w", limit: 10 })).toEqual([]);
    });

    it("retry makes the task due after the delay, as a new attempt; the old token is stale", async () => {
      const { journal, advance } = h();
      const runId = await runWithTasks(journal, [task(id)]);
      const first = await claimTask(journal, runId, id);
      await journal.finishTask(first, {
        kind: "retry",
        error: { name: "Error", message: "flaky" },
        delayMs: 5_000,
      });
      expect(await journal.claimTasks({ owner: "w", limit: 10 })).toEqual([]);
      expect(await inboxOf(journal, runId)).toEqual([]);
      await advance(4_000);
      expect(await journal.claimTasks({ owner: "w", limit: 10 })).toEqual([]);
      await advance(1_500);
      const second = await claimTask(journal, runId, id);
      expect(second.attempt).toBe(2);
      expect(second.attemptToken).not.toBe(first.attemptToken);
      await expectRejects(
        journal.finishTask(first, { kind: "completed", result: 1 }),
        ErrorCode.StaleAttempt,
        StaleAttemptError,
      );
      await expectRejects(journal.heartbeatTask(first), ErrorCode.StaleAttempt, StaleAttemptError);
      await journal.finishTask(second, { kind: "completed", result: 2 });
      expect((await inboxOf(journal, runId)).map((i) => i.event)).toEqual([
        { kind: "activity_completed", identity: id, result: 2, attempts: 2 },
      ]);
    });

    it("an attempt past its deadline is abandoned: reclaimed as the next attempt, its late result refused", async () => {
      const { journal, advance } = h();
      const runId = await runWithTasks(journal, [
        task(id, "act", [], options({ startToCloseMs: 10_000, maxAttempts: 3 })),
      ]);
      const first = await claimTask(journal, runId, id);
      await advance(9_000);
      expect(await journal.claimTasks({ owner: "w", limit: 10 })).toEqual([]);
      await advance(2_000);
      await expectRejects(
        journal.finishTask(first, { kind: "completed", result: "late" }),
        ErrorCode.StaleAttempt,
        StaleAttemptError,
      );
      const second = await claimTask(journal, runId, id);
      expect(second.attempt).toBe(2);
      await expectRejects(
        journal.finishTask(first, { kind: "completed", result: "late" }),
        ErrorCode.StaleAttempt,
        StaleAttemptError,
      );
      expect(await inboxOf(journal, runId)).toEqual([]);
      await journal.finishTask(second, { kind: "completed", result: "on time" });
      expect((await inboxOf(journal, runId)).map((i) => i.event)).toMatchObject([
        { kind: "activity_completed", result: "on time", attempts: 2 },
      ]);
    });

    it("when the last attempt times out the task fails with a timeout error instead of being claimed", async () => {
      const { journal, advance } = h();
      const runId = await runWithTasks(journal, [
        task(id, "slow.op", [], options({ startToCloseMs: 1_000, maxAttempts: 2 })),
      ]);
      await claimTask(journal, runId, id);
      await advance(1_500);
      const last = await claimTask(journal, runId, id);
      expect(last.attempt).toBe(2);
      await advance(1_500);
      expect(await journal.claimTasks({ owner: "w", limit: 10 })).toEqual([]);
      const inbox = await inboxOf(journal, runId);
      expect(inbox).toHaveLength(1);
      const event = inbox[0]!.event;
      expect(event).toMatchObject({ kind: "activity_failed", identity: id, attempts: 2 });
      expect(event.kind === "activity_failed" && event.error.code).toBe(ErrorCode.Timeout);
      expect(event.kind === "activity_failed" && typeof event.error.message).toBe("string");
      await expectRejects(
        journal.finishTask(last, { kind: "completed", result: 1 }),
        ErrorCode.StaleAttempt,
        StaleAttemptError,
      );
      expect(await journal.claimTasks({ owner: "w", limit: 10 })).toEqual([]);
      expect(await inboxOf(journal, runId)).toHaveLength(1);
    });

    it("heartbeats move the heartbeat deadline (not start-to-close) and refuse stale attempts", async () => {
      const { journal, advance } = h();
      const opts = options({ startToCloseMs: 20_000, heartbeatTimeoutMs: 5_000, maxAttempts: 5 });
      const runId = await runWithTasks(journal, [task(id, "act", [], opts)]);
      const claim = await claimTask(journal, runId, id);
      expect(claim.deadline - (await journal.now())).toBeLessThanOrEqual(5_000);
      for (let i = 0; i < 3; i++) {
        await advance(4_000);
        await journal.heartbeatTask(claim, { progress: i });
      }
      expect(await journal.claimTasks({ owner: "w", limit: 10 })).toEqual([]);
      await advance(4_000);
      await journal.heartbeatTask(claim);
      await advance(4_500);
      // 20.5 s since the claim: start-to-close has passed although the last heartbeat is recent.
      await expectRejects(journal.heartbeatTask(claim), ErrorCode.StaleAttempt, StaleAttemptError);
      const second = await claimTask(journal, runId, id);
      expect(second.attempt).toBe(2);
      await advance(6_000);
      await expectRejects(journal.heartbeatTask(second), ErrorCode.StaleAttempt, StaleAttemptError);
      expect((await claimTask(journal, runId, id)).attempt).toBe(3);
    });

    it("claims honour limit and activityNames", async () => {
      const { journal } = h();
      const runId = await runWithTasks(journal, [
        task("activity:a#0@0", "a"),
        task("activity:a#0@1", "a"),
        task("activity:b#0@0", "b"),
      ]);
      const onlyB = await journal.claimTasks({ owner: "w", limit: 10, activityNames: ["b"] });
      expect(onlyB.map((c) => c.identity)).toEqual(["activity:b#0@0"]);
      const one = await journal.claimTasks({ owner: "w", limit: 1, activityNames: ["a"] });
      expect(one).toHaveLength(1);
      const rest = await journal.claimTasks({ owner: "w", limit: 10 });
      expect(rest.map((c) => c.identity)).toEqual(
        ["activity:a#0@0", "activity:a#0@1"].filter((x) => x !== one[0]!.identity),
      );
      expect(rest.every((c) => c.runId === runId)).toBe(true);
    });

    it("a stale finish writes nothing", async () => {
      const { journal, advance } = h();
      const runId = await runWithTasks(journal, [task(id, "act", [], options({ startToCloseMs: 1_000 }))]);
      const first = await claimTask(journal, runId, id);
      await advance(2_000);
      const second = await claimTask(journal, runId, id);
      await expectRejects(
        journal.finishTask(first, { kind: "failed", error: { name: "Error", message: "x" } }),
        ErrorCode.StaleAttempt,
      );
      await expectRejects(
        journal.finishTask(first, { kind: "retry", error: { name: "Error", message: "x" }, delayMs: 0 }),
        ErrorCode.StaleAttempt,
      );
      expect(await inboxOf(journal, runId)).toEqual([]);
      await journal.heartbeatTask(second);
      expect(await journal.claimTasks({ owner: "w", limit: 10 })).toEqual([]);
    });
  });

  describe("idempotency keys", () => {
    it("a key with a stored result resolves the next run's task at once, without a claimable task", async () => {
      const { journal } = h();
      const keyed = options({ idempotencyKey: "charge-o-1" });
      const firstRun = await runWithTasks(journal, [task(id, "payments.charge", [1], keyed)]);
      await journal.finishTask(await claimTask(journal, firstRun, id), {
        kind: "completed",
        result: { receipt: "r-1" },
      });
      const secondRun = await runWithTasks(journal, [
        task("activity:other#0@0", "payments.charge", [2], keyed),
      ]);
      expect(await journal.claimTasks({ owner: "w", limit: 10 })).toEqual([]);
      const inbox = await inboxOf(journal, secondRun);
      expect(inbox).toHaveLength(1);
      expect(inbox[0]!.event).toMatchObject({
        kind: "activity_completed",
        identity: "activity:other#0@0",
        result: { receipt: "r-1" },
      });
    });

    it("the key is scoped by activity name, and only a success is stored", async () => {
      const { journal } = h();
      const keyed = options({ idempotencyKey: "k" });
      const failedRun = await runWithTasks(journal, [task(id, "a", [], keyed)]);
      await journal.finishTask(await claimTask(journal, failedRun, id), {
        kind: "failed",
        error: { name: "Error", message: "no" },
      });
      const retryRun = await runWithTasks(journal, [task(id, "a", [], keyed)]);
      const claim = await claimTask(journal, retryRun, id);
      await journal.finishTask(claim, { kind: "completed", result: "a-result" });
      const otherName = await runWithTasks(journal, [task(id, "b", [], keyed)]);
      expect((await claimTask(journal, otherName, id)).activityName).toBe("b");
    });

    it("a key whose first task is still running schedules a normal task", async () => {
      const { journal } = h();
      const keyed = options({ idempotencyKey: "busy" });
      const firstRun = await runWithTasks(journal, [task(id, "a", [], keyed)]);
      await claimTask(journal, firstRun, id);
      const secondRun = await runWithTasks(journal, [task(id, "a", [], keyed)]);
      expect((await claimTask(journal, secondRun, id)).attempt).toBe(1);
    });
  });

  describe("tasks of finished runs", () => {
    it("a run that finishes before its task completes does not become ready again", async () => {
      const { journal } = h();
      const run = await start(journal);
      const { claim } = await stepOnce(journal, run.runId, { tasks: [task(id)] });
      const attempt = await claimTask(journal, run.runId, id);
      await journal.commitStep({
        lease: claim.lease,
        lastSeq: 2,
        delivered: [],
        events: [{ kind: "run_cancelled" }],
        tasks: [],
        timers: [],
        cancelTimers: [],
        run: { status: "cancelled" },
      });
      await journal.finishTask(attempt, { kind: "completed", result: 1 }).catch(() => undefined);
      expect(await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 1000 })).toEqual([]);
      expect((await journal.getRun(run.runId))?.status).toBe("cancelled");
    });

    it("tasks that have not started, or whose attempt timed out, never start once their run finished", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const quick = options({ startToCloseMs: 1_000, maxAttempts: 5 });
      const { claim, result } = await stepOnce(journal, run.runId, {
        tasks: [task("activity:a#0@0", "a", [], quick), task("activity:b#0@0", "b", [], quick)],
      });
      const [started] = await journal.claimTasks({ owner: "w", limit: 1, activityNames: ["a"] });
      expect(started).toBeDefined();
      await journal.commitStep({
        lease: claim.lease,
        lastSeq: result.lastSeq,
        delivered: [],
        events: [{ kind: "run_cancelled", reason: "customer" }],
        tasks: [],
        timers: [],
        cancelTimers: [],
        run: { status: "cancelled" },
      });
      expect(await journal.claimTasks({ owner: "w", limit: 10 })).toEqual([]);
      await advance(2_000);
      expect(await journal.claimTasks({ owner: "w", limit: 10 })).toEqual([]);
    });
  });
}
