import { describe, expect, it } from "vitest";
import { createInspector } from "../../inspect/create-inspector.ts";
import { NotifyTopic } from "../../journal/notifier.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import { namespace, start, stepCommit, task } from "./conformance-harness.ts";

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

const claimAll = { owner: "engine-a", limit: 10, leaseMs: 30_000 };

/** Delayed starts: a run that exists at once but no engine claims before its start time. */
export function delayedStartConformance(h: HarnessRef): void {
  describe("delayed starts", () => {
    it("startDelayMs: the run exists at once with its start time, is claimed only once that passed, and nextDueAt is its start", async () => {
      const { journal, advance } = h();
      const before = await journal.now();
      const run = await start(journal, { startDelayMs: 3_600_000 });
      expect(run.status).toBe("running");
      expect(run.startAt).toBeGreaterThanOrEqual(before + 3_600_000);
      expect((await journal.getRun(run.runId))?.startAt).toBe(run.startAt);
      expect((await journal.readHistory(run.runId)).map((e) => e.kind)).toEqual(["run_started"]);
      expect(await journal.claimRuns(claimAll)).toEqual([]);
      expect(await journal.nextDueAt()).toBe(run.startAt);
      await advance(3_600_000 + 1_000);
      // Due, but made ready only by the timer wheel (claims never scan runs that are not ready).
      expect(await journal.claimRuns(claimAll)).toEqual([]);
      expect(await journal.fireDueTimers(10)).toBe(1);
      expect(await journal.fireDueTimers(10)).toBe(0);
      const [claim] = await journal.claimRuns(claimAll);
      expect(claim?.run.runId).toBe(run.runId);
      await journal.commitStep(stepCommit(claim!, { tasks: [task("activity:act#0@0")] }));
      // Started: the start time stays on the record, but no longer counts as a due time.
      expect((await journal.getRun(run.runId))?.startAt).toBe(run.startAt);
      const due = await journal.nextDueAt();
      expect(due === undefined || due !== run.startAt).toBe(true);
    });

    it("startAt: an absolute instant; one already past makes the run claimable at once", async () => {
      const { journal } = h();
      const now = await journal.now();
      const later = await start(journal, { startAt: now + 7_200_000 });
      expect(later.startAt).toBe(now + 7_200_000);
      const hints: string[] = [];
      const off = journal.notifier.subscribe(NotifyTopic.runReady, (runId) => hints.push(runId));
      await (h().listening?.() ?? new Promise((resolve) => setTimeout(resolve, 100)));
      const past = await start(journal, { startAt: now - 60_000 });
      const claims = await journal.claimRuns(claimAll);
      expect(claims.map((c) => c.run.runId)).toEqual([past.runId]);
      // A start time already past is announced like any new run; a future one is not.
      await until(() => hints.includes(past.runId));
      expect(hints).not.toContain(later.runId);
      off();
    });

    it("a cancel before the start ends the run at once: none of its code ever runs", async () => {
      const { journal } = h();
      const run = await start(journal, { startDelayMs: 3_600_000 });
      await journal.requestCancel(run.runId, "not needed");
      const cancelled = await journal.getRun(run.runId);
      expect(cancelled?.status).toBe("cancelled");
      expect(await journal.claimRuns(claimAll)).toEqual([]);
      expect(await journal.nextDueAt()).toBeUndefined();
    });

    it("a signal before the start is kept; the run starts at its start time with it in its inbox", async () => {
      const { journal, advance } = h();
      const run = await start(journal, { startDelayMs: 60_000 });
      await journal.sendSignal({ runId: run.runId, name: "early", payload: 1 });
      expect(await journal.claimRuns(claimAll)).toEqual([]);
      await advance(61_000);
      await journal.fireDueTimers(10);
      const [claim] = await journal.claimRuns(claimAll);
      expect(claim?.run.runId).toBe(run.runId);
      expect(claim?.inbox.map((item) => item.event.kind)).toEqual(["signal_received"]);
    });

    it("a cancel after the start goes to the run's inbox as for any run", async () => {
      const { journal, advance } = h();
      const run = await start(journal, { startDelayMs: 1_000 });
      await advance(2_000);
      await journal.fireDueTimers(10);
      const [claim] = await journal.claimRuns(claimAll);
      await journal.commitStep(stepCommit(claim!, { tasks: [task("activity:act#0@0")] }));
      await journal.requestCancel(run.runId, "stop");
      expect((await journal.getRun(run.runId))?.status).toBe("running");
      const [again] = await journal.claimRuns(claimAll);
      expect(again?.inbox.map((item) => item.event.kind)).toEqual(["cancel_requested"]);
    });

    it("a delayed start is listed with its start time, and a start without delay has none", async () => {
      const { journal } = h();
      await start(journal, { startDelayMs: 60_000, workflowId: "later" });
      await start(journal, { workflowId: "now" });
      const { runs } = await journal.listRuns({ namespace });
      const byId = new Map(runs.map((r) => [r.workflowId, r]));
      expect(byId.get("later")?.startAt).toBeTypeOf("number");
      expect(byId.get("now")?.startAt).toBeUndefined();
      // The read model shows it too (runs page and run detail).
      const inspector = createInspector(journal);
      const page = await inspector.runs({ namespace });
      const later = page.runs.find((r) => r.workflowId === "later");
      expect(later?.startAt).toBe(byId.get("later")?.startAt);
      expect((await inspector.run(later!.runId))?.run.startAt).toBe(later?.startAt);
    });
  });
}
