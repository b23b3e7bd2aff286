import { describe, expect, it } from "vitest";
import type { Journal, JournalInspector } from "../../journal/journal.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import {
  claimRun,
  claimTask,
  namespace,
  options,
  scheduledEvent,
  start,
  stepCommit,
  stepOnce,
  task,
} from "./conformance-harness.ts";

/** The journal's read model (`journal.inspector`); every adapter must have one. */
export function inspectorOf(journal: Journal): JournalInspector {
  expect(journal.inspector, "journal.inspector").toBeDefined();
  return journal.inspector!;
}

/** Read model: runs page, counts, run detail, history pages, tasks, timers, inbox, workflows. */
export function inspectorConformance(h: HarnessRef): void {
  describe("read model (inspector)", () => {
    it("runs page: newest first, each filter narrows, counts by status ignore paging", async () => {
      const { journal, advance } = h();
      const inspector = inspectorOf(journal);
      const a = await start(journal, {
        workflowId: "order-17",
        workflowName: "order",
        versionHash: "v1",
        attributes: { tier: "gold" },
      });
      await advance(1000);
      const from = await journal.now();
      const b = await start(journal, { workflowId: "order-18", workflowName: "order", versionHash: "v2" });
      const c = await start(journal, {
        workflowId: "invoice-1",
        workflowName: "invoice",
        versionHash: "v1",
        attributes: { tier: "gold", eu: true },
      });
      const other = await start(journal, {
        namespace: "elsewhere",
        workflowId: "order-99",
        workflowName: "order",
      });
      await stepOnce(journal, c.runId, {
        events: [{ kind: "run_completed", result: null }],
        status: "completed",
        result: null,
      });
      const ids = async (request: Parameters<JournalInspector["listRuns"]>[0]) =>
        (await inspector.listRuns(request)).runs.map((run) => run.runId);
      expect(await ids({ namespace })).toEqual([c.runId, b.runId, a.runId]);
      expect(await ids({})).toEqual([other.runId, c.runId, b.runId, a.runId]);
      expect(await ids({ namespace, status: "completed" })).toEqual([c.runId]);
      expect(await ids({ namespace, status: ["running", "failed"] })).toEqual([b.runId, a.runId]);
      expect(await ids({ namespace, status: [] })).toEqual([]);
      expect(await ids({ namespace, workflowName: "order" })).toEqual([b.runId, a.runId]);
      expect(await ids({ namespace, versionHash: "v1" })).toEqual([c.runId, a.runId]);
      expect(await ids({ namespace, workflowName: "order", versionHash: "v2" })).toEqual([b.runId]);
      expect(await ids({ namespace, attributes: { tier: "gold" } })).toEqual([c.runId, a.runId]);
      expect(await ids({ namespace, attributes: { eu: true } })).toEqual([c.runId]);
      expect(await ids({ namespace, startedFrom: from })).toEqual([c.runId, b.runId]);
      expect(await ids({ namespace, startedTo: from })).toEqual([a.runId]);
      expect(await ids({ idPrefix: "order-1" })).toEqual([b.runId, a.runId]);
      expect(await ids({ idPrefix: "order-" })).toEqual([other.runId, b.runId, a.runId]);
      expect(await ids({ idPrefix: b.runId.slice(0, 12) })).toEqual([b.runId]);
      expect(await ids({ idPrefix: c.runId })).toEqual([c.runId]);
      expect(await ids({ idPrefix: "order_1%" })).toEqual([]);
      const counts = await inspector.countRuns({ namespace });
      expect(counts).toMatchObject({ running: 2, completed: 1, failed: 0, cancelled: 0, total: 3 });
      expect(await inspector.countRuns({ namespace, workflowName: "order" })).toMatchObject({
        running: 2,
        total: 2,
      });
      expect((await inspector.countRuns({ status: [] })).total).toBe(0);
    });

    it("runs page: keyset cursors walk older with next and newer with previous, without gaps or repeats", async () => {
      const { journal } = h();
      const inspector = inspectorOf(journal);
      const made: string[] = [];
      for (let i = 0; i < 7; i += 1) made.unshift((await start(journal, { workflowId: `p-${i}` })).runId);
      const first = await inspector.listRuns({ namespace, limit: 3 });
      expect(first.runs.map((r) => r.runId)).toEqual(made.slice(0, 3));
      expect(first.previous).toBeUndefined();
      const second = await inspector.listRuns({ namespace, limit: 3, after: first.next! });
      expect(second.runs.map((r) => r.runId)).toEqual(made.slice(3, 6));
      const third = await inspector.listRuns({ namespace, limit: 3, after: second.next! });
      expect(third.runs.map((r) => r.runId)).toEqual(made.slice(6));
      expect(third.next).toBeUndefined();
      expect(third.previous).toBeDefined();
      const back = await inspector.listRuns({ namespace, limit: 3, before: third.previous! });
      expect(back.runs.map((r) => r.runId)).toEqual(made.slice(3, 6));
      expect(back.next).toBeDefined();
      const top = await inspector.listRuns({ namespace, limit: 3, before: back.previous! });
      expect(top.runs.map((r) => r.runId)).toEqual(made.slice(0, 3));
      expect(top.previous).toBeUndefined();
      expect(top.next).toBe(first.next);
    });

    it("run detail: lease, next wake-up, lineage, children, and what is pending", async () => {
      const { journal } = h();
      const inspector = inspectorOf(journal);
      const run = await start(journal, { workflowName: "parent" });
      const kid = {
        runId: crypto.randomUUID(),
        workflowId: `kid-${crypto.randomUUID()}`,
        workflowName: "kid",
        versionHash: "k1",
        input: 1,
        parentIdentity: "child:kid#0@0",
        parentClosePolicy: "cancel" as const,
      };
      const claim = await claimRun(journal, run.runId, "engine-a", 60_000);
      const timer = { identity: "sleep#0@0", delayMs: 5000 };
      await journal.commitStep({
        ...stepCommit(claim, {
          events: [
            { kind: "timer_started", identity: timer.identity, delayMs: 5000 },
            {
              kind: "child_started",
              identity: kid.parentIdentity,
              workflowName: "kid",
              workflowId: kid.workflowId,
              runId: kid.runId,
              versionHash: "k1",
              input: 1,
              parentClosePolicy: "cancel",
            },
            scheduledEvent(task("act#0@0")),
          ],
          timers: [timer],
          tasks: [task("act#0@0")],
        }),
        children: [kid],
        leaseMs: 60_000,
      });
      await journal.sendSignal({ runId: run.runId, name: "go", payload: { n: 1 } });
      const detail = await inspector.getRunDetail(run.runId);
      const now = await journal.now();
      expect(detail).toMatchObject({
        run: { runId: run.runId, leaseOwner: "engine-a", status: "running" },
        ready: true,
        pendingTimers: 1,
        openTasks: 1,
        pendingInbox: 1,
        children: 1,
      });
      expect(detail!.run.leaseExpiresAt).toBeGreaterThan(now);
      expect(detail!.nextWakeAt).toBeGreaterThan(now);
      expect(detail!.nextWakeAt).toBeLessThanOrEqual(now + 5000);
      expect(detail!.continuedFrom).toBeUndefined();
      expect((await inspector.listRuns({ parentRunId: run.runId })).runs.map((r) => r.runId)).toEqual([
        kid.runId,
      ]);
      expect(await inspector.getRunDetail("no-such-run")).toBeUndefined();

      const next = crypto.randomUUID();
      await stepOnce(journal, kid.runId, {
        events: [{ kind: "run_continued", nextRunId: next, input: 2 }],
        status: "continued",
        continuedTo: next,
      });
      expect(await inspector.getRunDetail(kid.runId)).toMatchObject({
        run: { continuedTo: next },
        ready: false,
      });
      expect(await inspector.getRunDetail(next)).toMatchObject({ continuedFrom: kid.runId, ready: true });
    });

    it("history pages: a long history read in pages gives every event once, in order", async () => {
      const { journal } = h();
      const inspector = inspectorOf(journal);
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId);
      const events = Array.from({ length: 24 }, (_, i) => ({
        kind: "value_recorded" as const,
        identity: `v#0@${i}`,
        value: i,
      }));
      await journal.commitStep(stepCommit(claim, { events }));
      const seen: number[] = [];
      let afterSeq: number | undefined = 0;
      let pages = 0;
      while (afterSeq !== undefined) {
        const page = await inspector.readHistoryPage(run.runId, { afterSeq, limit: 10 });
        seen.push(...page.events.map((e) => e.seq));
        afterSeq = page.nextAfterSeq;
        pages += 1;
      }
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect(pages).toBe(3);
      expect(await inspector.readHistoryPage(run.runId, { afterSeq: 20, limit: 5 })).toEqual({
        events: (await journal.readHistory(run.runId, 20)).slice(0, 5),
      });
      expect(await inspector.readHistoryPage("no-such-run")).toEqual({ events: [] });
    });

    it("tasks: attempts, retry error, heartbeat time and details, and the final outcome", async () => {
      const { journal, advance } = h();
      const inspector = inspectorOf(journal);
      const runId = await start(journal).then(async (run) => {
        await stepOnce(journal, run.runId, {
          tasks: [task("a#0@0", "charge", [7], options({ maxAttempts: 2 })), task("b#0@0", "ship")],
        });
        return run.runId;
      });
      const scheduled = await inspector.listTasks(runId);
      expect(scheduled.map((t) => [t.identity, t.activityName, t.status, t.attempt])).toEqual([
        ["a#0@0", "charge", "pending", 0],
        ["b#0@0", "ship", "pending", 0],
      ]);
      expect(scheduled[0]).toMatchObject({ args: [7], maxAttempts: 2, detached: false });
      const claims = await journal.claimTasks({ owner: "worker-1", limit: 10 });
      const first = claims.find((c) => c.identity === "a#0@0")!;
      const ship = claims.find((c) => c.identity === "b#0@0")!;
      await advance(100);
      await journal.heartbeatTask(first, { done: 3 });
      const running = (await inspector.listTasks(runId))[0]!;
      expect(running).toMatchObject({ status: "running", attempt: 1, heartbeatDetails: { done: 3 } });
      expect(running.heartbeatAt).toBeGreaterThanOrEqual(running.attemptStartedAt! + 100);
      expect(running.dueAt).toBeGreaterThan(running.heartbeatAt!);
      const error = { name: "Error", message: "card declined", code: "E_CARD" };
      await journal.finishTask(first, { kind: "retry", error, delayMs: 1000 });
      expect((await inspector.listTasks(runId))[0]).toMatchObject({
        status: "pending",
        attempt: 1,
        lastError: error,
      });
      await advance(1000);
      const second = await claimTask(journal, runId, "a#0@0");
      const final = { name: "Error", message: "card declined again" };
      await journal.finishTask(second, { kind: "failed", error: final });
      const failed = (await inspector.listTasks(runId))[0]!;
      expect(failed).toMatchObject({
        status: "failed",
        attempt: 2,
        lastError: final,
        heartbeatDetails: { done: 3 },
      });
      expect(failed.finishedAt).toBeGreaterThanOrEqual(failed.attemptStartedAt!);
      expect(failed.dueAt).toBeUndefined();
      await journal.finishTask(ship, { kind: "completed", result: "shipped" });
      expect((await inspector.listTasks(runId))[1]).toMatchObject({ status: "completed", attempt: 1 });
      expect(await inspector.listTasks("no-such-run")).toEqual([]);
    });

    it("timers and inbox of a run: pending timers earliest first, undelivered items in order", async () => {
      const { journal } = h();
      const inspector = inspectorOf(journal);
      const run = await start(journal);
      await stepOnce(journal, run.runId, {
        timers: [
          { identity: "late#0@0", delayMs: 9000 },
          { identity: "soon#0@0", delayMs: 1000 },
        ],
      });
      const now = await journal.now();
      const timers = await inspector.listTimers(run.runId);
      expect(timers.map((t) => t.identity)).toEqual(["soon#0@0", "late#0@0"]);
      expect(timers[0]!.fireAt - timers[0]!.createdAt).toBe(1000);
      expect(timers[1]!.fireAt).toBeGreaterThan(now);
      await journal.sendSignal({ runId: run.runId, name: "first", payload: 1 });
      await journal.sendSignal({ runId: run.runId, name: "second", payload: { x: [2] } });
      const inbox = await inspector.listInbox(run.runId);
      expect(inbox.map((i) => i.event)).toEqual([
        { kind: "signal_received", name: "first", payload: 1 },
        { kind: "signal_received", name: "second", payload: { x: [2] } },
      ]);
      expect(inbox[0]!.id).toBeLessThan(inbox[1]!.id);
      await stepOnce(journal, run.runId);
      expect(await inspector.listInbox(run.runId)).toEqual([]);
    });

    it("workflows: each (name, version) with runs per status", async () => {
      const { journal } = h();
      const inspector = inspectorOf(journal);
      await start(journal, { workflowName: "order", versionHash: "v1" });
      const done = await start(journal, { workflowName: "order", versionHash: "v1" });
      await start(journal, { workflowName: "order", versionHash: "v2" });
      await start(journal, { workflowName: "audit", versionHash: "a", namespace: "elsewhere" });
      await stepOnce(journal, done.runId, {
        events: [{ kind: "run_failed", error: { name: "E", message: "x" } }],
        status: "failed",
        error: { name: "E", message: "x" },
      });
      const rows = await inspector.listWorkflows({ namespace });
      expect(
        rows.map((w) => [w.workflowName, w.versionHash, w.counts.running, w.counts.failed, w.counts.total]),
      ).toEqual([
        ["order", "v1", 1, 1, 2],
        ["order", "v2", 1, 0, 1],
      ]);
      expect((await inspector.listWorkflows()).map((w) => w.workflowName)).toEqual([
        "audit",
        "order",
        "order",
      ]);
      expect(rows[0]!.lastStartedAt).toBe(done.createdAt);
    });
  });
}
