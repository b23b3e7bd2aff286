import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import { LeaseLostError } from "../../errors/journal-errors.ts";
import type { RunClaim } from "../../journal/journal.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import { claimRun, expectRejects, namespace, stepCommit, task } from "./conformance-harness.ts";

const lease = { owner: "engine-a", leaseMs: 30_000 };

/** Eager start: a run created already leased to its starter, handed back as a claim. */
export function eagerStartConformance(h: HarnessRef): void {
  describe("eager start", () => {
    it("returns the new run as a claim held by the starter, with its history, and nobody else can claim it", async () => {
      const { journal } = h();
      const before = await journal.now();
      const { run, created, claim } = await journal.startRun({
        namespace,
        workflowName: "wf",
        versionHash: "v1",
        input: { n: 1 },
        lease,
      });
      expect(created).toBe(true);
      expect(claim).toBeDefined();
      const c = claim!;
      expect(c.lease).toEqual({ runId: run.runId, owner: "engine-a", fencingToken: 1 });
      expect(c.run).toEqual(run);
      expect(c.inbox).toEqual([]);
      expect(c.now).toBeGreaterThanOrEqual(before);
      expect(c.leaseExpiresAt).toBeGreaterThanOrEqual(c.now + 30_000);
      expect(run.leaseOwner).toBe("engine-a");
      expect(c.history).toEqual(await journal.readHistory(run.runId));
      expect(await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 30_000 })).toEqual([]);
      expect(await journal.getRun(run.runId)).toEqual(run);
    });

    it("the starter commits the first step under that claim; the run is then not ready", async () => {
      const { journal } = h();
      const { claim } = await journal.startRun({
        namespace,
        workflowName: "wf",
        versionHash: "v1",
        input: null,
        lease,
      });
      const result = await journal.commitStep(stepCommit(claim!, { tasks: [task("activity:act#0@0")] }));
      expect(result.lastSeq).toBe(2);
      expect((await journal.readHistory(claim!.run.runId)).map((e) => e.kind)).toEqual([
        "run_started",
        "activity_scheduled",
      ]);
      expect(await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 30_000 })).toEqual([]);
      expect((await journal.claimTasks({ owner: "w", limit: 10 })).map((t) => t.identity)).toEqual([
        "activity:act#0@0",
      ]);
    });

    it("a step that keeps the run inside the eager window leaves it deferred to the window's end; then its owner claims it once more and a step clears it", async () => {
      const { journal, advance } = h();
      const { claim } = await journal.startRun({
        namespace,
        workflowName: "wf",
        versionHash: "v1",
        input: null,
        lease,
      });
      const runId = claim!.run.runId;
      const first = await journal.commitStep(
        stepCommit(claim!, { tasks: [task("activity:act#0@0")], leaseMs: 60_000 }),
      );
      expect(first.ready).toBeUndefined();
      const second = await journal.commitStep({
        ...stepCommit(claim!, { events: [], leaseMs: 60_000, lastSeq: first.lastSeq }),
        ...(first.runVersion === undefined ? {} : { runVersion: first.runVersion }),
      });
      expect(second.ready).toBeUndefined();
      expect(await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 30_000 })).toEqual([]);
      expect(await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 30_000 })).toEqual([]);
      // The window (the starter's first lease, 30 s) ends; the lease (renewed for 60 s) is live.
      await advance(31_000);
      expect(await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 30_000 })).toEqual([]);
      const again = await claimRun(journal, runId, "engine-a");
      expect(again.lease.fencingToken).toBe(1);
      expect(again.inbox).toEqual([]);
      expect((await journal.commitStep(stepCommit(again, { events: [], leaseMs: 60_000 }))).lastSeq).toBe(2);
      expect(await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 30_000 })).toEqual([]);
      expect((await journal.readHistory(runId)).map((e) => e.kind)).toEqual([
        "run_started",
        "activity_scheduled",
      ]);
    });

    it("inside the eager window a run with something to do is claimable at once: a signal after the step, or one left by it", async () => {
      const { journal } = h();
      const start = () =>
        journal.startRun({ namespace, workflowName: "wf", versionHash: "v1", input: null, lease });
      // A signal after a step that kept the window.
      const { claim } = await start();
      await journal.commitStep(stepCommit(claim!, { tasks: [task("activity:act#0@0")], leaseMs: 60_000 }));
      await journal.sendSignal({ runId: claim!.run.runId, name: "go", payload: 1 });
      const woken = await claimRun(journal, claim!.run.runId);
      expect(woken.lease.fencingToken).toBe(1);
      expect(woken.inbox.map((item) => item.event)).toEqual([
        { kind: "signal_received", name: "go", payload: 1 },
      ]);
      // A signal sent before the first step, which did not take it: that step ends the window.
      const second = (await start()).claim!;
      await journal.sendSignal({ runId: second.run.runId, name: "go", payload: 2 });
      const result = await journal.commitStep(
        stepCommit(second, { tasks: [task("activity:act#0@0")], leaseMs: 60_000 }),
      );
      expect(result.ready).toBe(true);
      const again = await claimRun(journal, second.run.runId);
      expect(again.inbox.map((item) => item.event)).toEqual([
        { kind: "signal_received", name: "go", payload: 2 },
      ]);
    });

    it("a starter that never steps: the run is claimed by another engine once the lease expired, and the starter is fenced", async () => {
      const { journal, advance } = h();
      const { claim } = await journal.startRun({
        namespace,
        workflowName: "wf",
        versionHash: "v1",
        input: null,
        lease,
      });
      await advance(31_000);
      const taken: RunClaim = await claimRun(journal, claim!.run.runId, "engine-b");
      expect(taken.lease.fencingToken).toBe(2);
      await expectRejects(journal.commitStep(stepCommit(claim!)), ErrorCode.LeaseLost, LeaseLostError);
      expect((await journal.commitStep(stepCommit(taken))).lastSeq).toBe(1);
    });

    it("a signal sent before the starter's first step is delivered by a claim, not lost", async () => {
      const { journal } = h();
      const { claim } = await journal.startRun({
        namespace,
        workflowName: "wf",
        versionHash: "v1",
        input: null,
        lease,
      });
      await journal.sendSignal({ runId: claim!.run.runId, name: "go", payload: 1 });
      // The first step was computed from the eager claim (no inbox): the signal stays queued.
      await journal.commitStep(stepCommit(claim!, { tasks: [task("activity:act#0@0")] }));
      const again = await claimRun(journal, claim!.run.runId);
      expect(again.inbox.map((item) => item.event)).toEqual([
        { kind: "signal_received", name: "go", payload: 1 },
      ]);
    });

    it("an id that is taken creates nothing and returns no claim", async () => {
      const { journal } = h();
      const first = await journal.startRun({
        namespace,
        workflowId: "same",
        workflowName: "wf",
        versionHash: "v1",
        input: null,
      });
      const second = await journal.startRun({
        namespace,
        workflowId: "same",
        workflowName: "wf",
        versionHash: "v1",
        input: null,
        lease,
      });
      expect(second.created).toBe(false);
      expect(second.claim).toBeUndefined();
      expect(second.run.runId).toBe(first.run.runId);
      expect(second.run.leaseOwner).toBeUndefined();
    });
  });
}
