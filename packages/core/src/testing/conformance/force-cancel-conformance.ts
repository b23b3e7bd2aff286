import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import type { NewChildRun } from "../../journal/journal.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import { claimRun, expectRejects, inboxOf, options, start, stepCommit, task } from "./conformance-harness.ts";

const lease = { attemptLeaseMs: 60_000 };

/** The history of a run without seq and time. */
async function bodies(h: HarnessRef, runId: string) {
  return (await h().journal.readHistory(runId)).map(({ seq: _s, at: _a, ...body }) => body);
}

/**
 * `requestCancel(..., { force: true })` of a run no engine holds a live lease on (its workflow
 * is registered nowhere, its code drifted, it is stuck on an unknown version, or its holder
 * died): the journal terminates it at once, fenced, with its children handled by their
 * parent-close policy. A run whose holder is alive still gets the request in its inbox (the
 * holder's next step terminates it; see wakeups-conformance).
 */
export function forceCancelConformance(h: HarnessRef): void {
  describe("requestCancel force on a run no engine holds", () => {
    it("a run never claimed ends cancelled at once, the request and the end journaled", async () => {
      const { journal } = h();
      const run = await start(journal, { workflowName: "registered-nowhere" });
      await journal.requestCancel(run.runId, "stuck", { force: true });
      expect((await journal.getRun(run.runId))?.status).toBe("cancelled");
      expect((await bodies(h, run.runId)).slice(-2)).toEqual([
        { kind: "cancel_requested", reason: "stuck", force: true },
        { kind: "run_cancelled", reason: "stuck" },
      ]);
      expect(await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 1_000 })).toEqual([]);
      await expectRejects(journal.requestCancel(run.runId, "again", { force: true }), ErrorCode.RunFinished);
    });

    it("a run whose holder's lease expired (it died, or released a drifted run) is terminated and the holder fenced off", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const held = await claimRun(journal, run.runId, "engine-a", 1_000);
      await advance(1_500);
      await journal.requestCancel(run.runId, undefined, { force: true });
      expect((await journal.getRun(run.runId))?.status).toBe("cancelled");
      expect((await bodies(h, run.runId)).slice(-2)).toEqual([
        { kind: "cancel_requested", force: true },
        { kind: "run_cancelled" },
      ]);
      // The old holder wakes up and commits: nothing is written.
      await expectRejects(journal.commitStep(stepCommit(held)), ErrorCode.LeaseLost);
      expect((await bodies(h, run.runId)).at(-1)).toEqual({ kind: "run_cancelled" });
    });

    it("a released run (a drifted step releases its lease) is terminated; its queued tasks are dropped and its running attempt withdrawn", async () => {
      const { journal } = h();
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId);
      const long = options({ startToCloseMs: 300_000 });
      await journal.commitStep(
        stepCommit(claim, {
          tasks: [task("activity:a#0@0", "act", [], long), task("activity:b#0@0", "slow", [], long)],
        }),
      );
      const running = await journal.claimTasks({
        owner: "worker-1",
        limit: 1,
        activityNames: ["act"],
        ...lease,
      });
      expect(running).toHaveLength(1);
      // The engine's next step drifts: it writes nothing and releases the run for a while.
      await journal.sendSignal({ runId: run.runId, name: "poke", payload: null });
      const drifted = await claimRun(journal, run.runId);
      await journal.releaseRun(drifted.lease, { notBeforeMs: 60_000 });
      await journal.requestCancel(run.runId, "drifted", { force: true });
      expect((await journal.getRun(run.runId))?.status).toBe("cancelled");
      expect(await journal.claimTasks({ owner: "worker-1", limit: 10, ...lease })).toEqual([]);
      const answer = await journal.heartbeatTasks([{ claim: running[0]!, renew: true }], lease);
      expect(answer.withdrawn?.map((c) => c.taskId)).toEqual([running[0]!.taskId]);
    });

    it("a stuck_unknown_version run is terminated", async () => {
      const { journal, advance } = h();
      const run = await start(journal, { versionHash: "gone" });
      await advance(11_000);
      const marked = await journal.markUnknownVersions({
        known: [{ workflowName: "wf", versionHash: "other" }],
        waitingForMs: 10_000,
        limit: 10,
      });
      expect(marked.map((r) => r.status)).toEqual(["stuck_unknown_version"]);
      await journal.requestCancel(run.runId, "retired", { force: true });
      expect((await journal.getRun(run.runId))?.status).toBe("cancelled");
    });

    it("children follow their parent-close policy; the terminated child's parent hears of it", async () => {
      const { journal, advance } = h();
      const parent = await start(journal, { workflowName: "parent" });
      const kid = (identity: string, parentClosePolicy: "cancel" | "abandon"): NewChildRun => ({
        runId: crypto.randomUUID(),
        workflowId: `kid-${crypto.randomUUID()}`,
        workflowName: "kid",
        versionHash: "k1",
        input: null,
        parentIdentity: identity,
        parentClosePolicy,
      });
      const kids = [kid("startChild:a#0@0", "cancel"), kid("startChild:b#0@0", "abandon")];
      const claim = await claimRun(journal, parent.runId, "engine-a", 1_000);
      await journal.commitStep({
        ...stepCommit(claim, {
          events: kids.map((c) => ({
            kind: "child_started",
            identity: c.parentIdentity,
            workflowName: c.workflowName,
            workflowId: c.workflowId,
            runId: c.runId,
            versionHash: c.versionHash,
            input: c.input,
            parentClosePolicy: c.parentClosePolicy,
          })),
        }),
        children: kids,
      });
      await advance(1_500);
      await journal.requestCancel(parent.runId, "enough", { force: true });
      expect((await journal.getRun(parent.runId))?.status).toBe("cancelled");
      const [cancelled, abandoned] = kids;
      const told = (await inboxOf(journal, cancelled!.runId)).map((i) => i.event.kind);
      expect(told).toEqual(["cancel_requested"]);
      expect(await inboxOf(journal, abandoned!.runId)).toEqual([]);
      expect((await journal.getRun(abandoned!.runId))?.status).toBe("running");

      // A forced cancel of the "cancel" child (nobody holds it): its parent ended already, so
      // only the child ends; a child of a live parent would put child_cancelled in its inbox.
      await advance(61_000);
      await journal.requestCancel(cancelled!.runId, "stop", { force: true });
      expect((await journal.getRun(cancelled!.runId))?.status).toBe("cancelled");
    });

    it("a live holder keeps the request in its inbox (its next step terminates the run)", async () => {
      const { journal } = h();
      const run = await start(journal);
      await claimRun(journal, run.runId, "engine-a", 60_000);
      await journal.requestCancel(run.runId, "later", { force: true });
      expect((await journal.getRun(run.runId))?.status).toBe("running");
      expect((await inboxOf(journal, run.runId, "engine-b")).length).toBe(0); // still leased by engine-a
    });
  });
}
