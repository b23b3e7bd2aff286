import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import type { Journal, JournalAdmin, OperatorActionInput } from "../../journal/journal.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import {
  claimRun,
  claimTask,
  expectRejects,
  namespace,
  options,
  start,
  stepCommit,
  stepOnce,
  task,
} from "./conformance-harness.ts";

/** The operator port of a journal; fails the test when it has none. */
export function adminOf(journal: Journal): JournalAdmin {
  expect(journal.admin, "journal.admin (the operator port)").toBeDefined();
  return journal.admin as JournalAdmin;
}

const entry = (
  runId: string | undefined,
  action: OperatorActionInput["action"] = "cancel",
): OperatorActionInput => ({
  actor: "ann",
  action,
  ...(runId === undefined ? {} : { runId }),
  parameters: { reason: "test" },
  origin: { host: "laptop", via: "conformance" },
  outcome: "succeeded",
});

/** The operator port: audit log, retry from a failure, fenced repairs. */
export function operatorConformance(h: HarnessRef): void {
  describe("operator: audit log", () => {
    it("appends entries and pages them newest first, all or one run's", async () => {
      const admin = adminOf(h().journal);
      const first = await admin.appendOperatorAction(entry("run-a"));
      await admin.appendOperatorAction(entry("run-b", "signal"));
      const third = await admin.appendOperatorAction({
        ...entry("run-a", "retry"),
        outcome: "failed",
        error: { code: "CTM_X", message: "no" },
        result: { n: 1 },
      });
      expect(first).toMatchObject({
        actor: "ann",
        action: "cancel",
        runId: "run-a",
        parameters: { reason: "test" },
      });
      expect(first.origin).toEqual({ host: "laptop", via: "conformance" });
      expect(third.id).toBeGreaterThan(first.id);
      expect(third.at).toBeGreaterThanOrEqual(first.at);
      const all = await admin.listOperatorActions();
      expect(all.entries.map((e) => e.action)).toEqual(["retry", "signal", "cancel"]);
      expect(all.next).toBeUndefined();
      expect(all.entries[0]).toMatchObject({
        outcome: "failed",
        error: { code: "CTM_X", message: "no" },
        result: { n: 1 },
      });
      const bare = await admin.appendOperatorAction({
        actor: "cron",
        action: "repair",
        outcome: "succeeded",
      });
      expect(bare).toMatchObject({ parameters: {}, origin: {} });
      expect(bare.runId).toBeUndefined();
      expect((await admin.listOperatorActions({ limit: 1 })).entries[0]).toEqual(bare);
      const runA = await admin.listOperatorActions({ runId: "run-a" });
      expect(runA.entries.map((e) => e.id)).toEqual([third.id, first.id]);
      const page = await admin.listOperatorActions({ limit: 3 });
      expect(page.entries).toHaveLength(3);
      expect(page.next).toBeDefined();
      const rest = await admin.listOperatorActions({ limit: 3, before: page.next! });
      expect(rest.entries.map((e) => e.id)).toEqual([first.id]);
      expect(rest.next).toBeUndefined();
    });

    it("audited: the work's change and its entry are both there; a work that throws leaves no entry", async () => {
      const { journal } = h();
      const admin = adminOf(journal);
      const run = await start(journal);
      const { value, entry: recorded } = await admin.audited(
        async (bound) => {
          await bound.requestCancel(run.runId, "by ann");
          return 7;
        },
        (n) => ({ ...entry(run.runId), result: { n } }),
      );
      expect(value).toBe(7);
      expect(recorded).toMatchObject({ runId: run.runId, result: { n: 7 } });
      const claim = await claimRun(journal, run.runId);
      expect(claim.inbox.map((i) => i.event.kind)).toEqual(["cancel_requested"]);
      await expect(
        admin.audited(
          async () => {
            throw new Error("refused");
          },
          () => entry(run.runId, "terminate"),
        ),
      ).rejects.toThrow("refused");
      const log = await admin.listOperatorActions({ runId: run.runId });
      expect(log.entries.map((e) => e.action)).toEqual(["cancel"]);
    });
  });

  describe("operator: retry from the failure", () => {
    // A run whose first activity completed and whose second failed for good, then the run failed.
    async function failedRun(journal: Journal) {
      const run = await start(journal, { workflowId: "order-1" });
      const a = task("a#0@0", "validate", [1], options({ maxAttempts: 1 }));
      const b = task("b#0@0", "charge", [2], options({ maxAttempts: 1 }));
      await stepOnce(journal, run.runId, { tasks: [a] });
      const ca = await claimTask(journal, run.runId, a.identity);
      await journal.finishTask(ca, { kind: "completed", result: "ok" });
      let claim = await claimRun(journal, run.runId);
      await journal.commitStep(
        stepCommit(claim, { tasks: [b], timers: [{ identity: "t#0@0", delayMs: 3_600_000 }] }),
      );
      const cb = await claimTask(journal, run.runId, b.identity);
      await journal.finishTask(cb, { kind: "failed", error: { name: "Error", message: "card declined" } });
      await journal.sendSignal({ runId: run.runId, name: "late", payload: { n: 1 } });
      claim = await claimRun(journal, run.runId);
      await journal.commitStep(
        stepCommit(claim, { status: "failed", error: { name: "Error", message: "card declined" } }),
      );
      return run;
    }

    it("starts a new run of the workflow id with the history before the failure and the failed call queued again", async () => {
      const { journal } = h();
      const old = await failedRun(journal);
      const before = await journal.readHistory(old.runId);
      const failedAt = before.findLastIndex((e) => e.kind === "activity_failed");
      const retried = await adminOf(journal).retryRun({ runId: old.runId, newRunId: "order-1-retry" });
      expect(retried).toMatchObject({
        retriedFrom: old.runId,
        copiedEvents: failedAt,
        rescheduled: ["b#0@0"],
        timers: ["t#0@0"],
        carriedSignals: 1,
      });
      expect(retried.run).toMatchObject({
        runId: "order-1-retry",
        workflowId: "order-1",
        status: "running",
        lastSeq: failedAt,
        fencingToken: 0,
      });
      // The failed run is left as it was; the workflow id now names the new run.
      expect(await journal.readHistory(old.runId)).toEqual(before);
      expect((await journal.getRun(old.runId))?.status).toBe("failed");
      expect((await journal.getRunByWorkflowId(namespace, "order-1"))?.runId).toBe("order-1-retry");
      const history = await journal.readHistory("order-1-retry");
      expect(history.map((e) => e.seq)).toEqual(before.slice(0, failedAt).map((e) => e.seq));
      expect(history.slice(1).map(({ at: _a, ...e }) => e)).toEqual(
        before.slice(1, failedAt).map(({ at: _a, ...e }) => e),
      );
      expect(history[0]).toMatchObject({ kind: "run_started", seq: 1, versionHash: "v1" });
      // Ready, with the signal that came after the failure point; the failed call runs again
      // from attempt 1; the completed one does not.
      const claim = await claimRun(journal, "order-1-retry");
      expect(claim.inbox.map((i) => i.event)).toEqual([
        { kind: "signal_received", name: "late", payload: { n: 1 } },
      ]);
      const tasks = await journal.claimTasks({ owner: "worker-1", limit: 100 });
      expect(tasks.map((t) => [t.runId, t.identity, t.attempt, t.activityName])).toEqual([
        ["order-1-retry", "b#0@0", 1, "charge"],
      ]);
      expect((await journal.inspector?.listTimers("order-1-retry"))?.map((t) => t.identity)).toEqual([
        "t#0@0",
      ]);
    });

    it("refuses a run that did not fail, a run retried already, and an unknown run, writing nothing", async () => {
      const { journal } = h();
      const admin = adminOf(journal);
      const running = await start(journal, { workflowId: "still-running" });
      const refused = await expectRejects(
        admin.retryRun({ runId: running.runId }),
        ErrorCode.RunNotRetryable,
      );
      expect(refused.data).toMatchObject({ reason: "not_failed" });
      const old = await failedRun(journal);
      await admin.retryRun({ runId: old.runId });
      const again = await expectRejects(admin.retryRun({ runId: old.runId }), ErrorCode.RunNotRetryable);
      expect(again.data).toMatchObject({ reason: "workflow_id_taken" });
      await expectRejects(admin.retryRun({ runId: "no-such-run" }), ErrorCode.RunNotFound);
      expect((await journal.listRuns({ workflowId: "order-1" })).runs).toHaveLength(2);
    });

    it("a new version hash applies to the new run", async () => {
      const { journal } = h();
      const old = await failedRun(journal);
      const { run } = await adminOf(journal).retryRun({ runId: old.runId, versionHash: "v2" });
      expect(run.versionHash).toBe("v2");
      expect((await journal.readHistory(run.runId))[0]).toMatchObject({
        kind: "run_started",
        versionHash: "v2",
      });
    });
  });

  describe("operator: fenced repairs", () => {
    it("fires overdue timers: the plan lists them, execute fires exactly those, a second execute skips them", async () => {
      const { journal, advance } = h();
      const admin = adminOf(journal);
      const run = await start(journal);
      await stepOnce(journal, run.runId, { timers: [{ identity: "nap#0@0", delayMs: 1000 }] });
      expect(await admin.planRepair({ kind: "overdue-timers", namespace, staleAfterMs: 30_000 })).toEqual([]);
      await advance(60_000);
      const plan = await admin.planRepair({ kind: "overdue-timers", namespace, staleAfterMs: 30_000 });
      expect(plan).toEqual([
        { kind: "fire_timer", runId: run.runId, identity: "nap#0@0", fireAt: expect.any(Number) },
      ]);
      expect(await admin.executeRepair(plan)).toEqual({ applied: plan, skipped: [] });
      const claim = await claimRun(journal, run.runId);
      expect(claim.inbox.map((i) => i.event)).toEqual([{ kind: "timer_fired", identity: "nap#0@0" }]);
      expect(await admin.executeRepair(plan)).toEqual({ applied: [], skipped: plan });
    });

    it("releases expired leases, and skips a lease taken again since the plan", async () => {
      const { journal, advance } = h();
      const admin = adminOf(journal);
      const dead = await start(journal, { workflowId: "dead" });
      await stepOnce(
        journal,
        dead.runId,
        { timers: [{ identity: "t#0@0", delayMs: 3_600_000 }] },
        "engine-dead",
      );
      const retaken = await start(journal, { workflowId: "retaken" });
      await claimRun(journal, retaken.runId, "engine-dead", 5000);
      await advance(120_000);
      const plan = await admin.planRepair({ kind: "expired-leases", namespace, staleAfterMs: 30_000 });
      expect(plan.map((i) => [i.kind, i.runId]).sort()).toEqual(
        [
          ["release_lease", dead.runId],
          ["release_lease", retaken.runId],
        ].sort(),
      );
      // Another engine takes the ready run after the plan: its fencing token moves.
      await claimRun(journal, retaken.runId, "engine-b");
      const { applied, skipped } = await admin.executeRepair(plan);
      expect(applied.map((i) => i.runId)).toEqual([dead.runId]);
      expect(skipped.map((i) => i.runId)).toEqual([retaken.runId]);
      const released = await journal.getRun(dead.runId);
      expect(released?.leaseOwner).toBeUndefined();
      expect(released?.fencingToken).toBe(
        (plan.find((i) => i.runId === dead.runId) as { fencingToken: number }).fencingToken + 1,
      );
      expect((await journal.getRun(retaken.runId))?.leaseOwner).toBe("engine-b");
    });

    it("marks runs with a lost wake-up ready, fenced on their last step", async () => {
      const { journal, advance } = h();
      const admin = adminOf(journal);
      const idle = await start(journal, { workflowId: "idle" });
      await stepOnce(journal, idle.runId);
      const moved = await start(journal, { workflowId: "moved" });
      await stepOnce(journal, moved.runId);
      await advance(120_000);
      const plan = await admin.planRepair({ kind: "lost-wakes", namespace, staleAfterMs: 30_000 });
      expect(plan.map((i) => i.runId).sort()).toEqual([idle.runId, moved.runId].sort());
      // A signal reaches one of them after the plan: it is woken already, and its row changed.
      await journal.sendSignal({ runId: moved.runId, name: "go", payload: null });
      const { applied, skipped } = await admin.executeRepair(plan);
      expect(applied.map((i) => i.runId)).toEqual([idle.runId]);
      expect(skipped.map((i) => i.runId)).toEqual([moved.runId]);
      const claims = await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 60_000 });
      expect(claims.map((c) => c.run.runId).sort()).toEqual([idle.runId, moved.runId].sort());
      expect(claims.find((c) => c.run.runId === idle.runId)?.inbox).toEqual([]);
    });
  });
}
