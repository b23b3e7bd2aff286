import { describe, expect, it } from "vitest";
import type { Journal, NewChildRun } from "../../journal/journal.ts";
import type { HistoryEventBody, ParentClosePolicy } from "../../model/index.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import { claimRun, namespace, start, stepCommit, stepOnce, task } from "./conformance-harness.ts";

/** Starts a run with the given name and ends it as completed in one step. */
async function closedRun(journal: Journal, workflowName = "wf", ns = namespace): Promise<string> {
  const run = await start(journal, { workflowName, namespace: ns });
  await complete(journal, run.runId);
  return run.runId;
}

/** Ends a run as completed; a signal first makes it ready even when it waits. */
async function complete(journal: Journal, runId: string): Promise<void> {
  await journal.sendSignal({ runId, name: "end", payload: null });
  const claim = await claimRun(journal, runId);
  await journal.commitStep(
    stepCommit(claim, {
      events: [...claim.inbox.map((i) => i.event), { kind: "run_completed", result: 1 }],
      status: "completed",
      result: 1,
    }),
  );
}

/** A parent whose first step starts one child with `policy`; returns both run ids. */
async function parentWithChild(
  journal: Journal,
  policy: ParentClosePolicy,
): Promise<{ parent: string; child: string }> {
  const parent = await start(journal, { workflowName: "parent" });
  const child: NewChildRun = {
    runId: crypto.randomUUID(),
    workflowId: `kid-${crypto.randomUUID()}`,
    workflowName: "kid",
    versionHash: "k1",
    input: null,
    parentIdentity: "startChild:kid#0@0",
    parentClosePolicy: policy,
  };
  const event: HistoryEventBody = {
    kind: "child_started",
    identity: child.parentIdentity,
    workflowName: child.workflowName,
    workflowId: child.workflowId,
    runId: child.runId,
    versionHash: child.versionHash,
    input: child.input,
    parentClosePolicy: policy,
  };
  const claim = await claimRun(journal, parent.runId);
  await journal.commitStep({ ...stepCommit(claim, { events: [event] }), children: [child] });
  return { parent: parent.runId, child: child.runId };
}

/** A cutoff just after everything closed so far (the journal clock moves past it). */
async function cutoffNow(h: HarnessRef): Promise<number> {
  const { journal, advance } = h();
  await advance(1000);
  const cutoff = await journal.now();
  await advance(1000);
  return cutoff;
}

/** Retention: deleteClosedRuns deletes whole closed run trees, never an open one. */
export function retentionConformance(h: HarnessRef): void {
  describe("retention: deleteClosedRuns", () => {
    it("deletes closed runs with their history and tasks, and counts them first in a dry run", async () => {
      const { journal, advance } = h();
      const a = await closedRun(journal);
      await advance(10); // the sample is oldest close first
      const withTask = await start(journal);
      await stepOnce(journal, withTask.runId, { tasks: [task("act#0@0")] });
      const claimed = await journal.claimTasks({ owner: "w", limit: 10, activityNames: ["act"] });
      await journal.finishTask(claimed[0]!, { kind: "completed", result: 2 });
      await complete(journal, withTask.runId);
      const open = await start(journal);
      const cutoff = await cutoffNow(h);
      const late = await closedRun(journal);

      const plan = await journal.deleteClosedRuns({ closedBefore: cutoff, limit: 10, dryRun: true });
      expect(plan).toMatchObject({ runs: 2, trees: 2, tasks: 1 });
      expect(plan.events).toBe(2 + 6);
      expect(plan.sample.map((s) => s.runId)).toEqual([a, withTask.runId]);
      expect(await journal.getRun(a)).toBeDefined();

      const done = await journal.deleteClosedRuns({ closedBefore: cutoff, limit: 10 });
      expect(done).toMatchObject({ runs: 2, trees: 2, events: plan.events, tasks: 1 });
      expect(new Set(done.sample.map((s) => s.runId))).toEqual(new Set([a, withTask.runId]));
      expect(await journal.getRun(a)).toBeUndefined();
      expect(await journal.readHistory(withTask.runId)).toEqual([]);
      expect((await journal.getRun(open.runId))?.status).toBe("running");
      expect((await journal.getRun(late))?.status).toBe("completed");
      expect(await journal.deleteClosedRuns({ closedBefore: cutoff, limit: 10 })).toMatchObject({ runs: 0 });
    });

    it("keeps a tree while any run in it is open or closed after the cutoff, then deletes it whole", async () => {
      const { journal } = h();
      const { parent, child } = await parentWithChild(journal, "abandon");
      await complete(journal, parent);
      const early = await cutoffNow(h);
      expect(await journal.deleteClosedRuns({ closedBefore: early, limit: 10, dryRun: true })).toMatchObject({
        runs: 0,
      });
      expect(await journal.deleteClosedRuns({ closedBefore: early, limit: 10 })).toMatchObject({ runs: 0 });
      await complete(journal, child);
      expect(await journal.deleteClosedRuns({ closedBefore: early, limit: 10 })).toMatchObject({ runs: 0 });
      const later = await cutoffNow(h);
      const done = await journal.deleteClosedRuns({ closedBefore: later, limit: 10 });
      expect(done).toMatchObject({ runs: 2, trees: 1 });
      expect(done.sample.every((s) => s.rootRunId === parent)).toBe(true);
      expect(await journal.getRun(child)).toBeUndefined();
    });

    it("never deletes a run whose continue-as-new successor is open", async () => {
      const { journal } = h();
      const first = await start(journal);
      const next = crypto.randomUUID();
      await stepOnce(journal, first.runId, {
        events: [{ kind: "run_continued", nextRunId: next, input: 2 }],
        status: "continued",
        continuedTo: next,
      });
      const cutoff = await cutoffNow(h);
      expect(await journal.deleteClosedRuns({ closedBefore: cutoff, limit: 10 })).toMatchObject({ runs: 0 });
      expect((await journal.getRun(first.runId))?.status).toBe("continued");
      await complete(journal, next);
      const later = await cutoffNow(h);
      const done = await journal.deleteClosedRuns({ closedBefore: later, limit: 10 });
      expect(done).toMatchObject({ runs: 2, trees: 1 });
      expect(await journal.getRunByWorkflowId(namespace, first.workflowId)).toBeUndefined();
    });

    it("keeps a closed run whose detached task is still pending", async () => {
      const { journal } = h();
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId);
      await journal.commitStep(
        stepCommit(claim, {
          tasks: [task("act#0@0")],
          events: [
            {
              kind: "activity_scheduled",
              identity: "act#0@0",
              activityName: "act",
              args: [1],
              options: task("x").options,
            },
            { kind: "run_completed", result: 1 },
          ],
          status: "completed",
          result: 1,
        }),
      );
      const cutoff = await cutoffNow(h);
      expect(await journal.deleteClosedRuns({ closedBefore: cutoff, limit: 10 })).toMatchObject({ runs: 0 });
      const [attempt] = await journal.claimTasks({ owner: "w", limit: 10, activityNames: ["act"] });
      await journal.finishTask(attempt!, { kind: "completed", result: 1 });
      expect(await journal.deleteClosedRuns({ closedBefore: cutoff, limit: 10 })).toMatchObject({
        runs: 1,
        tasks: 1,
      });
    });

    it("deletes in batches of whole trees, oldest close first, and filters by workflow name and namespace", async () => {
      const { journal, advance } = h();
      const order: string[] = [];
      for (let i = 0; i < 3; i++) {
        order.push(await closedRun(journal, "billing"));
        await advance(10);
      }
      const { parent, child } = await parentWithChild(journal, "cancel");
      await complete(journal, child);
      await complete(journal, parent);
      const other = await closedRun(journal, "billing", `${namespace}-other`);
      const cutoff = await cutoffNow(h);

      const billing = await journal.deleteClosedRuns({
        closedBefore: cutoff,
        limit: 2,
        workflowName: "billing",
        namespace,
        dryRun: true,
      });
      expect(billing).toMatchObject({ runs: 3, trees: 3 });
      expect(billing.sample.map((s) => s.runId)).toEqual(order.slice(0, 2));

      const first = await journal.deleteClosedRuns({ closedBefore: cutoff, limit: 2, namespace });
      expect(first.sample.map((s) => s.runId)).toEqual(order.slice(0, 2));
      const second = await journal.deleteClosedRuns({ closedBefore: cutoff, limit: 2, namespace });
      expect(second.sample.map((s) => s.runId)).toEqual([order[2]]);
      // The parent's tree holds 2 runs: alone it fills a batch of 1, never split.
      const third = await journal.deleteClosedRuns({ closedBefore: cutoff, limit: 1, namespace });
      expect(new Set(third.sample.map((s) => s.runId))).toEqual(new Set([parent, child]));
      expect(await journal.deleteClosedRuns({ closedBefore: cutoff, limit: 5, namespace })).toMatchObject({
        runs: 0,
      });
      expect((await journal.getRun(other))?.status).toBe("completed");
    });
  });
}
