import { describe, expect, it } from "vitest";
import type { WorkflowVersionRef } from "../../journal/journal.ts";
import { start, stepCommit, stepOnce, type HarnessRef } from "./conformance-harness.ts";

const v1: WorkflowVersionRef = { workflowName: "wf", versionHash: "v1" };
const v2: WorkflowVersionRef = { workflowName: "wf", versionHash: "v2" };

/**
 * Content-addressed dispatch: `claimRuns({ workflowVersions })` takes only runs of the listed
 * (name, hash) pairs, and `markUnknownVersions` labels runs that waited too long for an engine
 * with their exact code, without taking them out of reach of one.
 */
export function versionsConformance(h: HarnessRef): void {
  describe("workflow versions", () => {
    it("claimRuns with workflowVersions takes only runs of those exact (name, hash) pairs", async () => {
      const { journal } = h();
      const old = await start(journal, { versionHash: "v1" });
      const fresh = await start(journal, { versionHash: "v2" });
      const other = await start(journal, { workflowName: "other", versionHash: "v1" });
      const onlyV2 = await journal.claimRuns({
        owner: "engine-b",
        limit: 10,
        leaseMs: 60_000,
        workflowVersions: [v2],
      });
      expect(onlyV2.map((c) => c.run.runId)).toEqual([fresh.runId]);
      const both = await journal.claimRuns({
        owner: "engine-c",
        limit: 10,
        leaseMs: 60_000,
        workflowVersions: [v1, { workflowName: "other", versionHash: "v1" }],
      });
      expect(both.map((c) => c.run.runId).sort()).toEqual([old.runId, other.runId].sort());
      expect(
        await journal.claimRuns({ owner: "engine-d", limit: 10, leaseMs: 60_000, workflowVersions: [] }),
      ).toEqual([]);
    });

    it("markUnknownVersions marks only waiting, unleased runs known by name but not by hash", async () => {
      const { journal, advance } = h();
      const unknown = await start(journal, { versionHash: "v1" });
      const served = await start(journal, { versionHash: "v2" });
      const foreign = await start(journal, { workflowName: "other", versionHash: "x" });
      const leased = await start(journal, { versionHash: "v0" });
      const held = await journal.claimRuns({
        owner: "engine-z",
        limit: 10,
        leaseMs: 600_000,
        workflowVersions: [{ workflowName: "wf", versionHash: "v0" }],
      });
      expect(held.map((c) => c.run.runId)).toEqual([leased.runId]);
      // Not waiting long enough yet: nothing is marked.
      expect(await journal.markUnknownVersions({ known: [v2], waitingForMs: 10_000, limit: 10 })).toEqual([]);
      await advance(11_000);
      const marked = await journal.markUnknownVersions({ known: [v2], waitingForMs: 10_000, limit: 10 });
      expect(marked.map((run) => run.runId)).toEqual([unknown.runId]);
      expect(marked[0]?.status).toBe("stuck_unknown_version");
      expect((await journal.getRun(unknown.runId))?.status).toBe("stuck_unknown_version");
      for (const id of [served.runId, foreign.runId, leased.runId])
        expect((await journal.getRun(id))?.status).toBe("running");
      const listed = await journal.listRuns({ status: "stuck_unknown_version" });
      expect(listed.runs.map((run) => run.runId)).toEqual([unknown.runId]);
      // Marking again finds nothing new; an empty `known` marks nothing.
      expect(await journal.markUnknownVersions({ known: [v2], waitingForMs: 10_000, limit: 10 })).toEqual([]);
      expect(await journal.markUnknownVersions({ known: [], waitingForMs: 0, limit: 10 })).toEqual([]);
    });

    it("a stuck run is never taken by an engine without its hash, and an engine with it takes it and un-sticks it", async () => {
      const { journal, advance } = h();
      const run = await start(journal, { versionHash: "v1" });
      await advance(5_000);
      await journal.markUnknownVersions({ known: [v2], waitingForMs: 1_000, limit: 10 });
      expect(
        await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 60_000, workflowVersions: [v2] }),
      ).toEqual([]);
      const [claim] = await journal.claimRuns({
        owner: "engine-a",
        limit: 10,
        leaseMs: 60_000,
        workflowVersions: [v1],
      });
      expect(claim?.run.runId).toBe(run.runId);
      expect(claim?.run.status).toBe("running");
      expect((await journal.getRun(run.runId))?.status).toBe("running");
      const committed = await journal.commitStep(stepCommit(claim!));
      expect(committed.lastSeq).toBe(1);
    });

    it("a stuck run keeps receiving signals and cancellations, and stays ready for its version", async () => {
      const { journal, advance } = h();
      const run = await start(journal, { versionHash: "v1" });
      await stepOnce(journal, run.runId, {
        events: [{ kind: "signal_wait_started", identity: "signal:go#0@0", name: "go" }],
      });
      await journal.sendSignal({ runId: run.runId, name: "go", payload: 1 });
      // Past the first step's lease (60 s): a live lease would keep the run from being marked.
      await advance(61_000);
      const marked = await journal.markUnknownVersions({ known: [v2], waitingForMs: 1_000, limit: 10 });
      expect(marked.map((r) => r.runId)).toEqual([run.runId]);
      await journal.requestCancel(run.runId, "later");
      const [claim] = await journal.claimRuns({
        owner: "engine-a",
        limit: 10,
        leaseMs: 60_000,
        workflowVersions: [v1],
      });
      expect(claim?.inbox.map((item) => item.event.kind)).toEqual(["signal_received", "cancel_requested"]);
    });

    it("the waiting time of a stepped run counts from its oldest undelivered inbox item", async () => {
      const { journal, advance } = h();
      const run = await start(journal, { versionHash: "v1" });
      await stepOnce(journal, run.runId, {
        events: [{ kind: "signal_wait_started", identity: "signal:go#0@0", name: "go" }],
      });
      await advance(60_000);
      // Idle (nothing to do): never marked however long it waits.
      expect(await journal.markUnknownVersions({ known: [v2], waitingForMs: 1_000, limit: 10 })).toEqual([]);
      await journal.sendSignal({ runId: run.runId, name: "go", payload: 1 });
      expect(await journal.markUnknownVersions({ known: [v2], waitingForMs: 1_000, limit: 10 })).toEqual([]);
      await advance(2_000);
      expect(
        (await journal.markUnknownVersions({ known: [v2], waitingForMs: 1_000, limit: 10 })).map(
          (r) => r.runId,
        ),
      ).toEqual([run.runId]);
    });

    it("with a namespace, marks only runs of that namespace", async () => {
      const { journal, advance } = h();
      const mine = await start(journal, { versionHash: "v1" });
      const theirs = await start(journal, { versionHash: "v1", namespace: "elsewhere" });
      await advance(5_000);
      const marked = await journal.markUnknownVersions({
        known: [v2],
        waitingForMs: 1_000,
        limit: 10,
        namespace: mine.namespace,
      });
      expect(marked.map((r) => r.runId)).toEqual([mine.runId]);
      expect((await journal.getRun(theirs.runId))?.status).toBe("running");
    });

    it("honours limit, longest waiting first", async () => {
      const { journal, advance } = h();
      const first = await start(journal, { versionHash: "v1" });
      await start(journal, { versionHash: "v1" });
      await advance(5_000);
      const marked = await journal.markUnknownVersions({ known: [v2], waitingForMs: 1_000, limit: 1 });
      expect(marked.map((r) => r.runId)).toEqual([first.runId]);
    });

    it("listUnservedWorkflows counts waiting, unleased, undeferred runs of unregistered workflows", async () => {
      const { journal, advance } = h();
      await start(journal, { workflowName: "alpha", versionHash: "v1" });
      await start(journal, { workflowName: "alpha", versionHash: "v2" });
      await start(journal, { workflowName: "served", versionHash: "v1" });
      const leased = await start(journal, { workflowName: "beta", versionHash: "v1" });
      const deferred = await start(journal, { workflowName: "gamma", versionHash: "v1" });
      await start(journal, { workflowName: "alpha", versionHash: "v1", namespace: "elsewhere" });
      const request = { registered: ["served"], waitingForMs: 10_000, limit: 10 };
      // Not waiting long enough yet.
      expect(await journal.listUnservedWorkflows(request)).toEqual([]);
      const [held] = await journal.claimRuns({
        owner: "engine-z",
        limit: 10,
        leaseMs: 600_000,
        workflowNames: ["beta"],
      });
      expect(held?.run.runId).toBe(leased.runId);
      const [toDefer] = await journal.claimRuns({
        owner: "engine-z",
        limit: 1,
        leaseMs: 600_000,
        workflowNames: ["gamma"],
      });
      expect(toDefer?.run.runId).toBe(deferred.runId);
      await journal.releaseRun(toDefer!.lease, { notBeforeMs: 600_000 });
      await advance(11_000);
      expect(await journal.listUnservedWorkflows(request)).toEqual([
        { namespace: "conformance", workflowName: "alpha", runs: 2 },
        { namespace: "elsewhere", workflowName: "alpha", runs: 1 },
      ]);
      expect(await journal.listUnservedWorkflows({ ...request, namespace: "elsewhere" })).toEqual([
        { namespace: "elsewhere", workflowName: "alpha", runs: 1 },
      ]);
      expect(await journal.listUnservedWorkflows({ ...request, limit: 1 })).toHaveLength(1);
      expect(await journal.listUnservedWorkflows({ ...request, registered: ["alpha", "served"] })).toEqual(
        [],
      );
      // Read-only: nothing about the runs changed, they are still claimable.
      const claimed = await journal.claimRuns({
        owner: "engine-a",
        limit: 10,
        leaseMs: 60_000,
        workflowNames: ["alpha"],
        namespace: "conformance",
      });
      expect(claimed).toHaveLength(2);
      expect(await journal.listUnservedWorkflows({ ...request, namespace: "conformance" })).toEqual([]);
    });
  });
}
