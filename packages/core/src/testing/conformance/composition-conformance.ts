import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import type { Journal, NewChildRun, RunClaim } from "../../journal/journal.ts";
import type { HistoryEventBody, ParentClosePolicy } from "../../model/index.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import { claimRun, inboxOf, namespace, start, stepCommit, stepOnce } from "./conformance-harness.ts";

/** A child run request and the child_started event that goes with it. */
function childOf(
  identity: string,
  overrides: Partial<NewChildRun> = {},
): { child: NewChildRun; event: HistoryEventBody } {
  const child: NewChildRun = {
    runId: crypto.randomUUID(),
    workflowId: `wf-${identity}-${crypto.randomUUID()}`,
    workflowName: "kid",
    versionHash: "k1",
    input: { for: identity },
    parentIdentity: identity,
    parentClosePolicy: "cancel",
    ...overrides,
  };
  const event: HistoryEventBody = {
    kind: "child_started",
    identity,
    workflowName: child.workflowName,
    workflowId: child.workflowId,
    runId: child.runId,
    versionHash: child.versionHash,
    input: child.input,
    parentClosePolicy: child.parentClosePolicy,
  };
  return { child, event };
}

/** Starts a parent whose first step starts `children`; returns the parent's run id. */
async function parentWith(
  journal: Journal,
  children: readonly ReturnType<typeof childOf>[],
): Promise<string> {
  const parent = await start(journal, { workflowName: "parent" });
  const claim = await claimRun(journal, parent.runId);
  await journal.commitStep({
    ...stepCommit(claim, { events: children.map((c) => c.event) }),
    children: children.map((c) => c.child),
  });
  return parent.runId;
}

/** Ends `runId` with `status` in one step (its claim delivered nothing). */
async function finish(
  journal: Journal,
  runId: string,
  status: "completed" | "failed" | "cancelled",
): Promise<void> {
  const end: Record<typeof status, HistoryEventBody> = {
    completed: { kind: "run_completed", result: { ok: runId } },
    failed: { kind: "run_failed", error: { name: "Error", message: "child broke" } },
    cancelled: { kind: "run_cancelled", reason: "told to" },
  };
  const claim: RunClaim = await claimRun(journal, runId);
  await journal.commitStep(
    stepCommit(claim, {
      events: [...claim.inbox.map((i) => i.event), end[status]],
      status,
      ...(status === "completed" ? { result: { ok: runId } } : {}),
      ...(status === "failed" ? { error: { name: "Error", message: "child broke" } } : {}),
    }),
  );
}

/** Child workflows and continue-as-new handover: what commitStep does to other runs. */
export function compositionConformance(h: HarnessRef): void {
  describe("child runs", () => {
    it("are created with the parent's step, linked to it, in its namespace, ready for their first step", async () => {
      const { journal } = h();
      const a = childOf("child:kid#0@0");
      const b = childOf("startChild:kid#0@0", { parentClosePolicy: "abandon" });
      const parentId = await parentWith(journal, [a, b]);
      const child = await journal.getRun(a.child.runId);
      expect(child).toMatchObject({
        runId: a.child.runId,
        namespace,
        workflowId: a.child.workflowId,
        workflowName: "kid",
        versionHash: "k1",
        status: "running",
        input: { for: "child:kid#0@0" },
        parentRunId: parentId,
        parentIdentity: "child:kid#0@0",
        parentClosePolicy: "cancel",
        lastSeq: 1,
      });
      expect((await journal.getRun(b.child.runId))?.parentClosePolicy).toBe("abandon");
      const listed = await journal.listRuns({ parentRunId: parentId });
      expect(listed.runs.map((r) => r.runId).sort()).toEqual([a.child.runId, b.child.runId].sort());
      expect((await journal.listRuns({ parentRunId: a.child.runId })).runs).toEqual([]);
      expect((await journal.getRunByWorkflowId(namespace, b.child.workflowId))?.runId).toBe(b.child.runId);
      expect((await journal.readHistory(a.child.runId)).map((e) => e.kind)).toEqual(["run_started"]);
      expect((await journal.readHistory(parentId)).filter((e) => e.kind === "child_started")).toHaveLength(2);
      const claimed = await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 60_000 });
      expect(claimed.map((c) => c.run.runId).sort()).toEqual([a.child.runId, b.child.runId].sort());
    });

    it("a taken workflow id creates nothing and fails the call in the parent's inbox", async () => {
      const { journal } = h();
      const squatter = await start(journal, { workflowId: "taken-id" });
      const a = childOf("child:kid#0@0", { workflowId: "taken-id" });
      const parentId = await parentWith(journal, [a]);
      expect(await journal.getRun(a.child.runId)).toBeUndefined();
      const inbox = await inboxOf(journal, parentId);
      expect(inbox.map((i) => i.event)).toEqual([
        {
          kind: "child_failed",
          identity: "child:kid#0@0",
          error: expect.objectContaining({ code: ErrorCode.RunAlreadyExists }),
        },
      ]);
      expect(JSON.stringify(inbox[0]!.event)).toContain(squatter.runId);
    });

    it("a large step creates every child once; of two children with one id in one step, the first wins", async () => {
      const { journal } = h();
      const many = Array.from({ length: 620 }, (_, i) =>
        childOf(`startChild:kid#0@${i}`, { workflowId: `many-${i}` }),
      );
      const twin = childOf("child:kid#1@0", { workflowId: "many-7" });
      const parentId = await parentWith(journal, [...many, twin]);
      for (const kid of [many[0]!, many[499]!, many[500]!, many[619]!])
        expect((await journal.getRun(kid.child.runId))?.parentRunId).toBe(parentId);
      expect(await journal.getRun(twin.child.runId)).toBeUndefined();
      expect((await journal.getRunByWorkflowId(namespace, "many-7"))?.runId).toBe(many[7]!.child.runId);
      const claims = await journal.claimRuns({ owner: "engine-a", limit: 1_000, leaseMs: 60_000 });
      expect(claims).toHaveLength(621);
      const inbox = claims.find((c) => c.run.runId === parentId)?.inbox ?? [];
      expect(inbox.map((i) => i.event)).toEqual([
        expect.objectContaining({ kind: "child_failed", identity: "child:kid#1@0" }),
      ]);
      // Ready in the order the code started them (the parent, ready since its inbox item, comes last).
      expect(claims.slice(0, 620).map((c) => c.run.runId)).toEqual(many.map((m) => m.child.runId));
      const page = await journal.listRuns({ namespace, workflowName: "kid", limit: 1_000 });
      expect(page.runs).toHaveLength(620);
    });

    it("a child's end puts its outcome in the parent's inbox in the same commit", async () => {
      const { journal } = h();
      const kids = [childOf("child:kid#0@0"), childOf("child:kid#0@1"), childOf("child:kid#0@2")];
      const parentId = await parentWith(journal, kids);
      await finish(journal, kids[0]!.child.runId, "completed");
      await finish(journal, kids[1]!.child.runId, "failed");
      await finish(journal, kids[2]!.child.runId, "cancelled");
      const events = (await inboxOf(journal, parentId)).map((i) => i.event);
      expect(events).toEqual([
        { kind: "child_completed", identity: "child:kid#0@0", result: { ok: kids[0]!.child.runId } },
        { kind: "child_failed", identity: "child:kid#0@1", error: { name: "Error", message: "child broke" } },
        {
          kind: "child_failed",
          identity: "child:kid#0@2",
          error: expect.objectContaining({
            code: ErrorCode.Cancelled,
            message: expect.stringContaining("told to"),
          }),
        },
      ]);
    });

    it("a child that continues as new keeps its link: its successor reports to the parent", async () => {
      const { journal } = h();
      const kid = childOf("child:kid#0@0");
      const parentId = await parentWith(journal, [kid]);
      const next = crypto.randomUUID();
      await stepOnce(journal, kid.child.runId, {
        events: [{ kind: "run_continued", nextRunId: next, input: 2 }],
        status: "continued",
        continuedTo: next,
      });
      expect(await inboxOf(journal, parentId)).toEqual([]);
      expect(await journal.getRun(next)).toMatchObject({
        parentRunId: parentId,
        parentIdentity: "child:kid#0@0",
        parentClosePolicy: "cancel",
        workflowId: kid.child.workflowId,
      });
      await finish(journal, next, "completed");
      expect((await inboxOf(journal, parentId)).map((i) => i.event)).toEqual([
        { kind: "child_completed", identity: "child:kid#0@0", result: { ok: next } },
      ]);
    });

    it("a parent's end cancels its running children with policy cancel, never those with abandon or finished ones", async () => {
      const { journal } = h();
      const policies: ParentClosePolicy[] = ["cancel", "abandon", "cancel"];
      const kids = policies.map((parentClosePolicy, i) =>
        childOf(`startChild:kid#0@${i}`, { parentClosePolicy }),
      );
      const parentId = await parentWith(journal, kids);
      await finish(journal, kids[2]!.child.runId, "completed");
      await finish(journal, parentId, "cancelled");
      const inboxes = await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 60_000 });
      const byRun = new Map(inboxes.map((c) => [c.run.runId, c.inbox.map((i) => i.event.kind)]));
      expect(byRun.get(kids[0]!.child.runId)).toEqual(["cancel_requested"]);
      expect(byRun.get(kids[1]!.child.runId)).toEqual([]); // never stepped: ready, nothing in its inbox
      expect(byRun.has(kids[2]!.child.runId)).toBe(false);
      // The cancelled child's end reaches a finished parent: dropped, nothing breaks.
      await finish(journal, kids[0]!.child.runId, "cancelled");
      expect((await journal.getRun(parentId))?.status).toBe("cancelled");
    });
  });

  describe("parent and children ending at once", () => {
    it("a parent's final commit racing its children's final commits: every commit succeeds, nothing is lost", async () => {
      const { journal } = h();
      for (let round = 0; round < 4; round += 1) {
        const kids = Array.from({ length: 10 }, (_, i) => childOf(`startChild:kid#0@${i}`));
        const parentId = await parentWith(journal, kids);
        await journal.sendSignal({ runId: parentId, name: "stop", payload: null }); // makes the parent ready
        const claims = await journal.claimRuns({ owner: "engine-a", limit: 100, leaseMs: 60_000 });
        const byRun = new Map(claims.map((c) => [c.run.runId, c]));
        const parentClaim = byRun.get(parentId)!;
        expect(byRun.size).toBe(kids.length + 1);
        // The parent's end (which cancels running children) lands between the children's ends.
        const ends = kids.map((kid) =>
          journal.commitStep(
            stepCommit(byRun.get(kid.child.runId)!, {
              events: [{ kind: "run_completed", result: 1 }],
              status: "completed",
              result: 1,
            }),
          ),
        );
        const parentEnd = stepCommit(parentClaim, {
          events: [...parentClaim.inbox.map((i) => i.event), { kind: "run_cancelled" }],
          status: "cancelled",
        });
        ends.splice(round * 3, 0, journal.commitStep(parentEnd));
        const settled = await Promise.allSettled(ends);
        expect(settled.filter((s) => s.status === "rejected")).toEqual([]);
        for (const kid of kids) expect((await journal.getRun(kid.child.runId))?.status).toBe("completed");
        expect((await journal.getRun(parentId))?.status).toBe("cancelled");
      }
    });
  });

  describe("continue-as-new handover", () => {
    it("signals the step did not deliver move to the successor in order, after those the run_continued event carries", async () => {
      const { journal } = h();
      const run = await start(journal, { workflowId: "entity" });
      await stepOnce(journal, run.runId, {
        events: [{ kind: "signal_wait_started", identity: "signal:add#0@0", name: "add" }],
      });
      await journal.sendSignal({ runId: run.runId, name: "add", payload: 1, deliveryId: "d1" });
      const claim = await claimRun(journal, run.runId);
      // Arrive after the claim: the step never saw them.
      await journal.sendSignal({ runId: run.runId, name: "add", payload: 2, deliveryId: "d2" });
      await journal.sendSignal({ runId: run.runId, name: "other", payload: "x" });
      const next = crypto.randomUUID();
      await journal.commitStep(
        stepCommit(claim, {
          events: [
            ...claim.inbox.map((i) => i.event),
            {
              kind: "run_continued",
              nextRunId: next,
              input: 7,
              carriedSignals: [{ name: "add", payload: 0, deliveryId: "d0" }],
            },
          ],
          status: "continued",
          continuedTo: next,
        }),
      );
      const successor = await claimRun(journal, next);
      expect(successor.inbox.map((i) => i.event)).toEqual([
        { kind: "signal_received", name: "add", payload: 0, deliveryId: "d0" },
        { kind: "signal_received", name: "add", payload: 2, deliveryId: "d2" },
        { kind: "signal_received", name: "other", payload: "x" },
      ]);
      // The chain remembers delivery ids: a retried send to the successor is stored once.
      expect(await journal.sendSignal({ runId: next, name: "add", payload: 2, deliveryId: "d2" })).toEqual({
        accepted: false,
      });
      expect(await journal.sendSignal({ runId: next, name: "add", payload: 1, deliveryId: "d1" })).toEqual({
        accepted: false,
      });
    });

    it("other undelivered items (timer firings, activity results) are not handed over", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      await stepOnce(journal, run.runId, { timers: [{ identity: "sleep:#0@0", delayMs: 1_000 }] });
      await advance(2_000);
      expect(await journal.fireDueTimers(10)).toBe(1);
      const claim = await claimRun(journal, run.runId);
      expect(claim.inbox.map((i) => i.event.kind)).toEqual(["timer_fired"]);
      await journal.sendSignal({ runId: run.runId, name: "late", payload: true });
      const next = crypto.randomUUID();
      // The step delivers nothing: the timer firing and the signal are both still in the inbox.
      await journal.commitStep(
        stepCommit(claim, {
          delivered: [],
          events: [{ kind: "run_continued", nextRunId: next, input: null }],
          status: "continued",
          continuedTo: next,
        }),
      );
      const successor = await claimRun(journal, next);
      expect(successor.inbox.map((i) => i.event)).toEqual([
        { kind: "signal_received", name: "late", payload: true },
      ]);
    });
  });
}
