import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import { RunFinishedError, RunNotFoundError } from "../../errors/journal-errors.ts";
import { NotifyTopic, parseInboxHint } from "../../journal/notifier.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import {
  claimRun,
  claimTask,
  eventually,
  expectRejects,
  inboxOf,
  options,
  runWithTasks,
  start,
  stepCommit,
  stepOnce,
  task,
} from "./conformance-harness.ts";

/** Timers, signals, cancellation, notifier hints and nextDueAt. */
export function wakeupsConformance(h: HarnessRef): void {
  describe("timers", () => {
    it("a delayMs timer is due by the journal clock, relative to the commit", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const { result } = await stepOnce(journal, run.runId, {
        timers: [{ identity: "sleep:#0@0", delayMs: 60_000 }],
      });
      expect(await journal.nextDueAt()).toBe(result.now + 60_000);
      expect(await journal.fireDueTimers(10)).toBe(0);
      await advance(59_000);
      expect(await journal.fireDueTimers(10)).toBe(0);
      await advance(1_500);
      expect(await journal.fireDueTimers(10)).toBe(1);
      expect(await journal.fireDueTimers(10)).toBe(0);
      expect((await inboxOf(journal, run.runId)).map((i) => i.event)).toEqual([
        { kind: "timer_fired", identity: "sleep:#0@0" },
      ]);
      expect(await journal.nextDueAt()).toBeUndefined();
    });

    it("an until timer fires at its absolute time", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const until = (await journal.now()) + 10_000;
      await stepOnce(journal, run.runId, { timers: [{ identity: "sleepUntil:#0@0", until }] });
      expect(await journal.nextDueAt()).toBe(until);
      await advance(9_000);
      expect(await journal.fireDueTimers(10)).toBe(0);
      await advance(1_500);
      expect(await journal.fireDueTimers(10)).toBe(1);
    });

    it("fireDueTimers honours its limit, earliest first", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      await stepOnce(journal, run.runId, {
        timers: [
          { identity: "sleep:#0@0", delayMs: 3_000 },
          { identity: "sleep:#1@0", delayMs: 1_000 },
          { identity: "sleep:#2@0", delayMs: 2_000 },
        ],
      });
      await advance(5_000);
      expect(await journal.fireDueTimers(2)).toBe(2);
      expect((await inboxOf(journal, run.runId)).map((i) => i.event)).toEqual([
        { kind: "timer_fired", identity: "sleep:#1@0" },
        { kind: "timer_fired", identity: "sleep:#2@0" },
      ]);
      expect(await journal.fireDueTimers(2)).toBe(1);
    });

    it("cancelTimers removes timers of the run; unknown identities are ignored", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      await stepOnce(journal, run.runId, {
        timers: [
          { identity: "signal:go#0@0", delayMs: 5_000 },
          { identity: "sleep:#0@0", delayMs: 5_000 },
        ],
      });
      await journal.sendSignal({ runId: run.runId, name: "go", payload: null });
      const claim = await claimRun(journal, run.runId);
      await journal.commitStep(stepCommit(claim, { cancelTimers: ["signal:go#0@0", "never:existed#0@0"] }));
      await advance(6_000);
      expect(await journal.fireDueTimers(10)).toBe(1);
      expect((await inboxOf(journal, run.runId)).map((i) => i.event)).toEqual([
        { kind: "timer_fired", identity: "sleep:#0@0" },
      ]);
    });

    it("a timer created and cancelled in the same step never fires", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      await stepOnce(journal, run.runId, {
        timers: [{ identity: "signal:go#0@0", delayMs: 1_000 }],
        cancelTimers: ["signal:go#0@0"],
      });
      await advance(2_000);
      expect(await journal.fireDueTimers(10)).toBe(0);
      expect(await journal.nextDueAt()).toBeUndefined();
    });

    it("the timers of a finished run never fire", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const { claim, result } = await stepOnce(journal, run.runId, {
        timers: [{ identity: "sleep:#0@0", delayMs: 1_000 }],
      });
      await journal.commitStep({
        lease: claim.lease,
        lastSeq: result.lastSeq,
        delivered: [],
        events: [{ kind: "run_completed", result: null }],
        tasks: [],
        timers: [],
        cancelTimers: [],
        run: { status: "completed", result: null },
      });
      await advance(2_000);
      expect(await journal.fireDueTimers(10)).toBe(0);
      expect(await journal.nextDueAt()).toBeUndefined();
    });
  });

  describe("signals and cancellation", () => {
    it("signals reach the inbox in the order they were sent, payloads verbatim", async () => {
      const { journal } = h();
      const run = await start(journal);
      await stepOnce(journal, run.runId, { events: [] });
      for (let i = 0; i < 5; i++) {
        expect(
          await journal.sendSignal({
            runId: run.runId,
            name: i % 2 ? "odd" : "even",
            payload: { i, z: 0, a: [i] },
          }),
        ).toEqual({ accepted: true });
      }
      const inbox = await inboxOf(journal, run.runId);
      expect(inbox.map((item) => item.event)).toEqual(
        [0, 1, 2, 3, 4].map((i) => ({
          kind: "signal_received",
          name: i % 2 ? "odd" : "even",
          payload: { i, z: 0, a: [i] },
        })),
      );
      const ids = inbox.map((item) => item.id);
      expect([...ids].sort((x, y) => x - y)).toEqual(ids);
      expect(new Set(ids).size).toBe(5);
    });

    it("the inbox keeps arrival order across timers, signals, task results and cancellations", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      await stepOnce(journal, run.runId, {
        tasks: [task("activity:act#0@0")],
        timers: [{ identity: "sleep:#0@0", delayMs: 1_000 }],
      });
      const attempt = await claimTask(journal, run.runId, "activity:act#0@0");
      await advance(1_500);
      await journal.sendSignal({ runId: run.runId, name: "first", payload: 1 });
      expect(await journal.fireDueTimers(10)).toBe(1);
      await journal.finishTask(attempt, { kind: "completed", result: "done" });
      await journal.requestCancel(run.runId, "stop");
      await journal.sendSignal({ runId: run.runId, name: "last", payload: 2 });
      const inbox = await inboxOf(journal, run.runId);
      expect(inbox.map((i) => i.event.kind)).toEqual([
        "signal_received",
        "timer_fired",
        "activity_completed",
        "cancel_requested",
        "signal_received",
      ]);
      expect(inbox.every((item, i) => i === 0 || item.id > inbox[i - 1]!.id)).toBe(true);
      expect(inbox.every((item) => item.receivedAt >= run.createdAt)).toBe(true);
    });

    it("a repeated deliveryId is stored once, also after the first was delivered", async () => {
      const { journal } = h();
      const run = await start(journal);
      expect(
        await journal.sendSignal({ runId: run.runId, name: "pay", payload: 1, deliveryId: "d-1" }),
      ).toEqual({ accepted: true });
      expect(
        await journal.sendSignal({ runId: run.runId, name: "pay", payload: 1, deliveryId: "d-1" }),
      ).toEqual({ accepted: false });
      const claim = await claimRun(journal, run.runId);
      expect(claim.inbox.map((i) => i.event)).toEqual([
        { kind: "signal_received", name: "pay", payload: 1, deliveryId: "d-1" },
      ]);
      await journal.commitStep(stepCommit(claim));
      expect(
        await journal.sendSignal({ runId: run.runId, name: "pay", payload: 1, deliveryId: "d-1" }),
      ).toEqual({ accepted: false });
      expect(
        await journal.sendSignal({ runId: run.runId, name: "pay", payload: 2, deliveryId: "d-2" }),
      ).toEqual({ accepted: true });
      expect((await inboxOf(journal, run.runId)).map((i) => i.event)).toEqual([
        { kind: "signal_received", name: "pay", payload: 2, deliveryId: "d-2" },
      ]);
    });

    it("signals and cancellations to unknown or finished runs are refused", async () => {
      const { journal } = h();
      const missing = await expectRejects(
        journal.sendSignal({ runId: "no-such-run", name: "x", payload: null }),
        ErrorCode.RunNotFound,
        RunNotFoundError,
      );
      expect(missing.data).toEqual({ runId: "no-such-run" });
      await expectRejects(journal.requestCancel("no-such-run"), ErrorCode.RunNotFound, RunNotFoundError);
      const run = await start(journal);
      await stepOnce(journal, run.runId, {
        events: [{ kind: "run_completed", result: 1 }],
        status: "completed",
        result: 1,
      });
      const finished = await expectRejects(
        journal.sendSignal({ runId: run.runId, name: "x", payload: null }),
        ErrorCode.RunFinished,
        RunFinishedError,
      );
      expect(finished.data).toEqual({ runId: run.runId, status: "completed" });
      await expectRejects(journal.requestCancel(run.runId, "late"), ErrorCode.RunFinished, RunFinishedError);
    });

    it("requestCancel puts cancel_requested (with its reason) in the inbox", async () => {
      const { journal } = h();
      const run = await start(journal);
      await stepOnce(journal, run.runId, { events: [] });
      await journal.requestCancel(run.runId, "customer asked");
      await journal.requestCancel(run.runId);
      expect((await inboxOf(journal, run.runId)).map((i) => i.event)).toEqual([
        { kind: "cancel_requested", reason: "customer asked" },
        { kind: "cancel_requested" },
      ]);
    });

    it("requestCancel with force keeps the flag (terminate), and the history journals it as delivered", async () => {
      const { journal } = h();
      const run = await start(journal);
      await stepOnce(journal, run.runId, { events: [] });
      await journal.requestCancel(run.runId, "stuck", { force: true });
      await journal.requestCancel(run.runId, undefined, { force: false });
      expect((await inboxOf(journal, run.runId)).map((i) => i.event)).toEqual([
        { kind: "cancel_requested", reason: "stuck", force: true },
        { kind: "cancel_requested" },
      ]);
      const claim = await claimRun(journal, run.runId);
      await journal.commitStep(
        stepCommit(claim, {
          events: [...claim.inbox.map((i) => i.event), { kind: "run_cancelled", reason: "stuck" }],
          status: "cancelled",
        }),
      );
      expect(
        (await journal.readHistory(run.runId)).map(({ seq: _s, at: _a, ...body }) => body).slice(-3),
      ).toEqual([
        { kind: "cancel_requested", reason: "stuck", force: true },
        { kind: "cancel_requested" },
        { kind: "run_cancelled", reason: "stuck" },
      ]);
    });
  });

  describe("readInboxItem", () => {
    it("reads an undelivered item of the run by id; nothing once delivered, nothing for another run", async () => {
      const { journal } = h();
      const run = await start(journal);
      const other = await start(journal);
      await stepOnce(journal, run.runId, { events: [] });
      await journal.sendSignal({
        runId: run.runId,
        name: "go",
        payload: { card: "4111" },
        deliveryId: "d-1",
      });
      const [item] = await inboxOf(journal, run.runId);
      expect(await journal.readInboxItem(run.runId, item!.id)).toEqual(item);
      expect(await journal.readInboxItem(other.runId, item!.id)).toBeUndefined();
      expect(await journal.readInboxItem(run.runId, item!.id + 1_000)).toBeUndefined();
      const claim = await claimRun(journal, run.runId);
      await journal.commitStep(stepCommit(claim, { events: [claim.inbox[0]!.event] }));
      expect(await journal.readInboxItem(run.runId, item!.id)).toBeUndefined();
    });
  });

  describe("notifier hints", () => {
    it("publishes run_ready, task_ready, timer_set and run_finished with ids", async () => {
      const harness = h();
      const { journal } = harness;
      const seen: Array<[string, string]> = [];
      const unsubscribe = Object.values(NotifyTopic).map((topic) =>
        journal.notifier.subscribe(topic, (id) => seen.push([topic, id])),
      );
      await (harness.listening ? harness.listening() : new Promise((resolve) => setTimeout(resolve, 100)));
      const has = (topic: string, id: string) => seen.some(([t, i]) => t === topic && i === id);
      const run = await start(journal);
      await eventually(() => has(NotifyTopic.runReady, run.runId));
      await stepOnce(journal, run.runId, {
        tasks: [task("activity:act#0@0")],
        timers: [{ identity: "sleep:#0@0", delayMs: 1000 }],
      });
      const taskClaim = await claimTask(journal, run.runId, "activity:act#0@0");
      await eventually(() => has(NotifyTopic.taskReady, taskClaim.taskId));
      await eventually(() => has(NotifyTopic.timerSet, run.runId));
      seen.length = 0;
      await journal.sendSignal({ runId: run.runId, name: "go", payload: null });
      // A journal that announces signals with run_inbox sends that instead of run_ready.
      const hinted = () =>
        seen.some(
          ([t, payload]) => t === NotifyTopic.runInbox && parseInboxHint(payload)?.runId === run.runId,
        );
      await eventually(() => has(NotifyTopic.runReady, run.runId) || hinted());
      const claim = await claimRun(journal, run.runId);
      await journal.commitStep(
        stepCommit(claim, {
          status: "completed",
          result: null,
          events: [claim.inbox[0]!.event, { kind: "run_completed", result: null }],
        }),
      );
      await eventually(() => has(NotifyTopic.runFinished, run.runId));
      unsubscribe.forEach((stop) => stop());
      // Ids and versions only (see Notifier): never a name, a workflow id or a payload.
      const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
      for (const [topic, payload] of seen) {
        expect(payload).toMatch(
          topic === NotifyTopic.runInbox ? new RegExp(`^${uuid}:[0-9]+:[0-9]+$`) : new RegExp(`^${uuid}$`),
        );
      }
      const count = seen.length;
      await start(journal);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(seen.length).toBe(count);
    });
  });

  describe("nextDueAt", () => {
    it("is the earliest timer, retry time or attempt deadline", async () => {
      const { journal, advance } = h();
      expect(await journal.nextDueAt()).toBeUndefined();
      const run = await start(journal);
      const { result } = await stepOnce(journal, run.runId, {
        timers: [{ identity: "sleep:#0@0", delayMs: 50_000 }],
      });
      expect(await journal.nextDueAt()).toBe(result.now + 50_000);
      const runId = await runWithTasks(journal, [
        task("activity:act#0@0", "act", [], options({ startToCloseMs: 20_000 })),
      ]);
      const due = await journal.nextDueAt();
      expect(due).toBeLessThanOrEqual(await journal.now());
      const claim = await claimTask(journal, runId, "activity:act#0@0");
      expect(await journal.nextDueAt()).toBe(claim.deadline);
      await journal.finishTask(claim, {
        kind: "retry",
        error: { name: "Error", message: "x" },
        delayMs: 7_000,
      });
      const retryAt = await journal.nextDueAt();
      const now = await journal.now();
      expect(retryAt).toBeGreaterThanOrEqual(now + 6_000);
      expect(retryAt).toBeLessThanOrEqual(now + 7_000);
      await advance(7_000);
      await claimTask(journal, runId, "activity:act#0@0");
    });
  });
}
