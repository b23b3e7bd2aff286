import { describe, expect, it } from "vitest";
import type { HarnessRef } from "./conformance-harness.ts";
import {
  claimRun,
  claimTask,
  namespace,
  options,
  start,
  stepCommit,
  stepOnce,
  task,
} from "./conformance-harness.ts";
import { inspectorOf } from "./inspector-conformance.ts";

/** The health report: each finding appears only once its condition held longer than staleAfterMs. */
export function healthConformance(h: HarnessRef): void {
  describe("read model: health report", () => {
    it("an empty journal is healthy", async () => {
      const report = await inspectorOf(h().journal).health({ namespace });
      expect(report.runsByStatus.total).toBe(0);
      for (const key of [
        "unclaimedReadyRuns",
        "idleRuns",
        "overdueTimers",
        "expiredRunLeases",
        "expiredTaskLeases",
        "deadLetters",
      ] as const)
        expect(report[key], key).toEqual({ count: 0, sample: [] });
      expect(report.unknownVersions).toEqual([]);
      expect(report.staleAfterMs).toBe(60_000);
    });

    it("finds unclaimed ready runs, idle runs, overdue timers and expired leases once they are stale", async () => {
      const { journal, advance } = h();
      const inspector = inspectorOf(journal);
      // Claims take every ready run, so the runs that must stay unclaimed start last.
      const sleeper = await start(journal, { workflowId: "sleeper" });
      await stepOnce(journal, sleeper.runId, { timers: [{ identity: "nap#0@0", delayMs: 1000 }] });
      const idle = await start(journal, { workflowId: "idle" });
      await stepOnce(journal, idle.runId);
      const worker = await start(journal, { workflowId: "worker" });
      await stepOnce(journal, worker.runId, {
        tasks: [task("slow#0@0", "slow", [], options({ startToCloseMs: 2000 }))],
      });
      await claimTask(journal, worker.runId, "slow#0@0");
      const held = await start(journal, { workflowId: "held" });
      await claimRun(journal, held.runId, "engine-dead", 5000);
      const unclaimed = await start(journal, { workflowId: "never-claimed" });

      const early = await inspector.health({ namespace, staleAfterMs: 30_000 });
      expect(early.unclaimedReadyRuns.count).toBe(0);
      expect(early.overdueTimers.count).toBe(0);
      expect(early.runsByStatus).toMatchObject({ running: 5, total: 5 });
      expect(early.openRunAges.running["1m"]).toBe(5);

      await advance(60_000);
      const report = await inspector.health({ namespace, staleAfterMs: 30_000 });
      // The dead engine's run was never stepped: ready, and its lease expired, so both findings.
      const ready = [...report.unclaimedReadyRuns.sample].sort((a, b) =>
        a.workflowId.localeCompare(b.workflowId),
      );
      expect(ready.map((r) => r.workflowId)).toEqual(["held", "never-claimed"]);
      expect(ready[1]).toMatchObject({
        runId: unclaimed.runId,
        status: "running",
        workflowName: "wf",
      });
      expect(report.idleRuns.sample.map((r) => r.workflowId)).toEqual(["idle"]);
      expect(report.overdueTimers.sample).toEqual([
        { runId: sleeper.runId, identity: "nap#0@0", fireAt: expect.any(Number) },
      ]);
      expect(report.expiredRunLeases.sample.map((r) => r.workflowId)).toEqual(["held"]);
      expect(report.expiredRunLeases.sample[0]).toMatchObject({ runId: held.runId });
      expect(report.expiredTaskLeases.count).toBe(1);
      expect(report.expiredTaskLeases.sample[0]).toMatchObject({
        runId: worker.runId,
        activityName: "slow",
        attempt: 1,
      });
      // A minute on: every run is past the "under a minute" bucket.
      expect(report.openRunAges.running["1h"]).toBe(5);
      const later = report.now;
      await advance(3_600_000);
      const aged = await inspector.health({ namespace, staleAfterMs: 30_000, sampleLimit: 0 });
      expect(aged.now - later).toBeGreaterThanOrEqual(3_600_000);
      expect(aged.openRunAges.running["1d"]).toBe(5);
      expect(aged.unclaimedReadyRuns).toEqual({ count: 2, sample: [] });
      expect((await inspector.health({ namespace: "elsewhere" })).runsByStatus.total).toBe(0);
    });

    it("dead letters (tasks failed for good) and runs stuck on unknown versions", async () => {
      const { journal, advance } = h();
      const inspector = inspectorOf(journal);
      const run = await start(journal);
      await stepOnce(journal, run.runId, {
        tasks: [task("pay#0@0", "pay", [], options({ maxAttempts: 1 }))],
      });
      const attempt = await claimTask(journal, run.runId, "pay#0@0");
      const error = { name: "Error", message: "declined", code: "E_DECLINED" };
      await journal.finishTask(attempt, { kind: "failed", error });
      const stuck = await start(journal, { workflowName: "order", versionHash: "old" });
      await advance(30_000);
      await journal.markUnknownVersions({
        known: [{ workflowName: "order", versionHash: "new" }],
        waitingForMs: 10_000,
        limit: 10,
      });
      const report = await inspector.health({ namespace });
      expect(report.deadLetters.count).toBe(1);
      expect(report.deadLetters.sample[0]).toMatchObject({
        runId: run.runId,
        activityName: "pay",
        attempt: 1,
        lastError: error,
      });
      expect(
        report.unknownVersions.map((w) => [w.workflowName, w.versionHash, w.counts.stuck_unknown_version]),
      ).toEqual([["order", "old", 1]]);
      expect(report.runsByStatus.stuck_unknown_version).toBe(1);
      expect(report.openRunAges.stuck_unknown_version["1m"]).toBe(1);
      expect(report.unclaimedReadyRuns.sample.map((r) => r.runId)).not.toContain(stuck.runId);
    });

    it("audit: a journal written through the port keeps every invariant; only expired leases show", async () => {
      const { journal, advance } = h();
      const inspector = inspectorOf(journal);
      const parent = await start(journal, { workflowName: "parent" });
      const kid = crypto.randomUUID();
      const claim = await claimRun(journal, parent.runId);
      await journal.commitStep({
        ...stepCommit(claim, {
          events: [
            {
              kind: "child_started",
              identity: "child:kid#0@0",
              workflowName: "kid",
              workflowId: `kid-${kid}`,
              runId: kid,
              versionHash: "k1",
              input: 1,
              parentClosePolicy: "abandon",
            },
          ],
        }),
        children: [
          {
            runId: kid,
            workflowId: `kid-${kid}`,
            workflowName: "kid",
            versionHash: "k1",
            input: 1,
            parentIdentity: "child:kid#0@0",
            parentClosePolicy: "abandon",
          },
        ],
      });
      const next = crypto.randomUUID();
      await stepOnce(journal, kid, {
        events: [{ kind: "run_continued", nextRunId: next, input: 2 }],
        status: "continued",
        continuedTo: next,
      });
      const worker = await start(journal);
      await stepOnce(journal, worker.runId, {
        tasks: [task("t#0@0", "act", [], options({ maxAttempts: 1 }))],
      });
      const attempt = await claimTask(journal, worker.runId, "t#0@0");
      await journal.finishTask(attempt, { kind: "failed", error: { name: "E", message: "x" } });
      const clean = await inspector.audit();
      expect(clean.runs).toBe(4);
      for (const [check, finding] of Object.entries(clean.findings))
        expect(finding, check).toEqual({ count: 0, sample: [] });

      await advance(120_000);
      const later = await inspector.audit({ sampleLimit: 10 });
      // The steps' 60 s leases on open runs have expired; nothing else changed.
      expect(later.findings.leases_past_expiry.count).toBeGreaterThan(0);
      expect(later.findings.leases_past_expiry.sample.map((f) => f.runId)).toContain(parent.runId);
      expect(later.findings.history_gaps.count).toBe(0);
      expect(later.findings.finished_runs_with_work.count).toBe(0);
    });
  });
}
