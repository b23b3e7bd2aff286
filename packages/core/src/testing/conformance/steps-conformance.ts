import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import { LeaseLostError } from "../../errors/journal-errors.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import {
  claimRun,
  expectRejects,
  inboxOf,
  start,
  stepCommit,
  stepOnce,
  task,
} from "./conformance-harness.ts";

/** Claims (ready semantics, leases, fencing tokens) and the fenced, atomic commitStep. */
export function stepsConformance(h: HarnessRef): void {
  describe("claimRuns", () => {
    it("a new run is ready: the claim takes the lease, bumps the token and reports the journal clock", async () => {
      const { journal } = h();
      const run = await start(journal);
      const claims = await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 30_000 });
      expect(claims).toHaveLength(1);
      const [claim] = claims;
      expect(claim!.lease).toEqual({
        runId: run.runId,
        owner: "engine-a",
        fencingToken: claim!.run.fencingToken,
      });
      expect(claim!.lease.fencingToken).toBeGreaterThan(run.fencingToken);
      expect(claim!.inbox).toEqual([]);
      expect(claim!.run.leaseOwner).toBe("engine-a");
      expect(claim!.leaseExpiresAt - claim!.now).toBeGreaterThanOrEqual(30_000);
      expect(claim!.leaseExpiresAt - claim!.now).toBeLessThan(30_000 + 1000);
      const stored = await journal.getRun(run.runId);
      expect(stored?.leaseOwner).toBe("engine-a");
      expect(stored?.fencingToken).toBe(claim!.lease.fencingToken);
    });

    it("a stepped run without inbox items is not ready; a resolution makes it ready again", async () => {
      const { journal } = h();
      const run = await start(journal);
      await stepOnce(journal, run.runId, {
        events: [{ kind: "signal_wait_started", identity: "signal:go#0@0", name: "go" }],
      });
      expect(await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 30_000 })).toEqual([]);
      expect(await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 30_000 })).toEqual([]);
      await journal.sendSignal({ runId: run.runId, name: "go", payload: 1 });
      const claim = await claimRun(journal, run.runId, "engine-a");
      expect(claim.inbox.map((i) => i.event)).toEqual([{ kind: "signal_received", name: "go", payload: 1 }]);
      expect(claim.inbox[0]!.runId).toBe(run.runId);
    });

    it("claims only runs of the requested namespace; without one, across namespaces", async () => {
      const { journal } = h();
      const billing = await start(journal, { namespace: "billing", workflowId: "same-id" });
      const shipping = await start(journal, { namespace: "shipping", workflowId: "same-id" });
      expect(billing.runId).not.toBe(shipping.runId);
      const forShipping = await journal.claimRuns({
        owner: "engine-s",
        limit: 10,
        leaseMs: 30_000,
        namespace: "shipping",
      });
      expect(forShipping.map((c) => c.run.runId)).toEqual([shipping.runId]);
      expect(
        await journal.claimRuns({ owner: "engine-x", limit: 10, leaseMs: 30_000, namespace: "nobody" }),
      ).toEqual([]);
      const any = await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 30_000 });
      expect(any.map((c) => c.run.runId)).toEqual([billing.runId]);
    });

    it("never takes a live lease held by another owner", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId, "engine-a", 60_000);
      await journal.sendSignal({ runId: run.runId, name: "go", payload: null });
      await advance(59_000);
      expect(await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 60_000 })).toEqual([]);
      expect((await journal.getRun(run.runId))?.fencingToken).toBe(claim.lease.fencingToken);
      await advance(1_500);
      expect(
        (await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 60_000 })).map((c) => c.run.runId),
      ).toEqual([run.runId]);
    });

    it("takes an expired lease with a bumped token; the old holder's commit then fails", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const old = await claimRun(journal, run.runId, "engine-a", 10_000);
      await advance(11_000);
      const taken = await claimRun(journal, run.runId, "engine-b", 10_000);
      expect(taken.lease.fencingToken).toBeGreaterThan(old.lease.fencingToken);
      expect(taken.run.leaseOwner).toBe("engine-b");
      await expectRejects(journal.commitStep(stepCommit(old)), ErrorCode.LeaseLost, LeaseLostError);
      const ok = await journal.commitStep(stepCommit(taken));
      expect(ok.lastSeq).toBe(1);
    });

    it("keeps its own live lease on a re-claim: same token, later expiry", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const first = await claimRun(journal, run.runId, "engine-a", 10_000);
      await advance(5_000);
      const again = await claimRun(journal, run.runId, "engine-a", 10_000);
      expect(again.lease.fencingToken).toBe(first.lease.fencingToken);
      expect(again.leaseExpiresAt).toBeGreaterThan(first.leaseExpiresAt);
      await journal.commitStep(stepCommit(first));
    });

    it("honours limit and workflowNames, and never returns finished runs", async () => {
      const { journal } = h();
      const done = await start(journal, { workflowName: "beta" });
      await stepOnce(
        journal,
        done.runId,
        { events: [{ kind: "run_completed", result: 1 }], status: "completed", result: 1 },
        "engine-z",
      );
      const a = await start(journal, { workflowName: "alpha" });
      const b = await start(journal, { workflowName: "alpha" });
      const c = await start(journal, { workflowName: "beta" });
      const one = await journal.claimRuns({
        owner: "engine-a",
        limit: 1,
        leaseMs: 60_000,
        workflowNames: ["alpha"],
      });
      expect(one).toHaveLength(1);
      expect(one[0]!.run.workflowName).toBe("alpha");
      const beta = await journal.claimRuns({
        owner: "engine-b",
        limit: 10,
        leaseMs: 60_000,
        workflowNames: ["beta"],
      });
      expect(beta.map((x) => x.run.runId)).toEqual([c.runId]);
      const rest = await journal.claimRuns({ owner: "engine-c", limit: 10, leaseMs: 60_000 });
      expect(rest.map((x) => x.run.runId)).toEqual(
        [a.runId, b.runId].filter((id) => id !== one[0]!.run.runId),
      );
    });

    it("releaseRun hands the run back at once; a stale release changes nothing", async () => {
      const { journal } = h();
      const run = await start(journal);
      const a = await claimRun(journal, run.runId, "engine-a");
      await journal.releaseRun(a.lease);
      expect((await journal.getRun(run.runId))?.leaseOwner).toBeUndefined();
      const b = await claimRun(journal, run.runId, "engine-b");
      expect(b.lease.fencingToken).toBeGreaterThan(a.lease.fencingToken);
      await journal.releaseRun(a.lease);
      expect((await journal.getRun(run.runId))?.leaseOwner).toBe("engine-b");
      await expectRejects(journal.commitStep(stepCommit(a)), ErrorCode.LeaseLost, LeaseLostError);
    });

    it("renewRunLeases extends live leases and reports the lost ones", async () => {
      const { journal, advance } = h();
      const kept = await start(journal);
      const lost = await start(journal);
      const claims = await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 10_000 });
      const keptClaim = claims.find((c) => c.run.runId === kept.runId)!;
      const lostClaim = claims.find((c) => c.run.runId === lost.runId)!;
      await advance(6_000);
      expect(await journal.renewRunLeases("engine-a", [keptClaim.lease], 30_000)).toEqual([]);
      expect((await journal.getRun(kept.runId))?.leaseExpiresAt).toBeGreaterThan(keptClaim.leaseExpiresAt);
      await advance(5_000);
      const taken = await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 10_000 });
      expect(taken.map((c) => c.run.runId)).toEqual([lost.runId]);
      const lostIds = await journal.renewRunLeases("engine-a", [keptClaim.lease, lostClaim.lease], 30_000);
      expect(lostIds).toEqual([lost.runId]);
      expect((await journal.getRun(lost.runId))?.leaseOwner).toBe("engine-b");
      await advance(20_000);
      const later = await journal.claimRuns({ owner: "engine-c", limit: 10, leaseMs: 10_000 });
      expect(later.map((c) => c.run.runId)).not.toContain(kept.runId);
      await journal.commitStep(stepCommit(keptClaim));
    });
  });

  describe("expired leases nobody took", () => {
    it("are still the holder's: renew and commit succeed with the same token", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId, "engine-a", 5_000);
      await advance(10_000);
      expect(await journal.renewRunLeases("engine-a", [claim.lease], 5_000)).toEqual([]);
      const renewed = await journal.getRun(run.runId);
      expect(renewed?.fencingToken).toBe(claim.lease.fencingToken);
      expect(renewed?.leaseExpiresAt).toBeGreaterThan(claim.leaseExpiresAt);
      await advance(10_000);
      expect((await journal.commitStep(stepCommit(claim, { events: [] }))).lastSeq).toBe(1);
    });
  });

  describe("commitStep", () => {
    it("a stale fencing token throws LeaseLostError and writes nothing", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const old = await claimRun(journal, run.runId, "engine-a", 10_000);
      await advance(11_000);
      await journal.sendSignal({ runId: run.runId, name: "go", payload: 1 });
      const current = await claimRun(journal, run.runId, "engine-b", 60_000);
      const runBefore = await journal.getRun(run.runId);
      const historyBefore = await journal.readHistory(run.runId);
      const dueBefore = await journal.nextDueAt();
      const error = await expectRejects(
        journal.commitStep(
          stepCommit(old, {
            delivered: current.inbox.map((i) => i.id),
            events: [{ kind: "value_recorded", identity: "now:#0@0", value: 1 }],
            tasks: [task("activity:act#0@0")],
            timers: [{ identity: "sleep:#0@0", delayMs: 1000 }],
            status: "completed",
            result: 1,
          }),
        ),
        ErrorCode.LeaseLost,
        LeaseLostError,
      );
      expect(error.data).toEqual({ runId: run.runId, fencingToken: old.lease.fencingToken });
      expect(await journal.getRun(run.runId)).toEqual(runBefore);
      expect(await journal.readHistory(run.runId)).toEqual(historyBefore);
      expect(await journal.nextDueAt()).toEqual(dueBefore);
      expect(await journal.claimTasks({ owner: "w", limit: 10 })).toEqual([]);
      await advance(2000);
      expect(await journal.fireDueTimers(10)).toBe(0);
      expect((await inboxOf(journal, run.runId, "engine-b")).map((i) => i.id)).toEqual(
        current.inbox.map((i) => i.id),
      );
    });

    it("a lastSeq that does not match the run is rejected (CTM_SEQUENCE_CONFLICT) and writes nothing", async () => {
      const { journal } = h();
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId);
      const events = [{ kind: "value_recorded" as const, identity: "now:#0@0", value: 1 }];
      await expectRejects(
        journal.commitStep(stepCommit(claim, { events, lastSeq: 0 })),
        ErrorCode.SequenceConflict,
      );
      await expectRejects(
        journal.commitStep(stepCommit(claim, { events, lastSeq: 2 })),
        ErrorCode.SequenceConflict,
      );
      expect(await journal.readHistory(run.runId)).toHaveLength(1);
      expect((await journal.commitStep(stepCommit(claim, { events }))).lastSeq).toBe(2);
    });

    it("deletes exactly the delivered inbox items; later arrivals wait for the next step", async () => {
      const { journal } = h();
      const run = await start(journal);
      await stepOnce(journal, run.runId, { events: [] });
      await journal.sendSignal({ runId: run.runId, name: "a", payload: 1 });
      const claim = await claimRun(journal, run.runId);
      await journal.sendSignal({ runId: run.runId, name: "b", payload: 2 });
      await journal.commitStep(stepCommit(claim));
      const next = await claimRun(journal, run.runId);
      expect(next.inbox.map((i) => i.event)).toEqual([{ kind: "signal_received", name: "b", payload: 2 }]);
      expect(next.lease.fencingToken).toBe(claim.lease.fencingToken);
    });

    it("a terminal status records the outcome, releases the lease and ends claims and writes", async () => {
      const { journal } = h();
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId);
      const { now } = await journal.commitStep(
        stepCommit(claim, {
          events: [{ kind: "run_completed", result: { ok: true } }],
          status: "completed",
          result: { ok: true },
        }),
      );
      const done = await journal.getRun(run.runId);
      expect(done).toMatchObject({
        status: "completed",
        result: { ok: true },
        lastSeq: 2,
        finishedAt: now,
        updatedAt: now,
      });
      expect(done?.leaseOwner).toBeUndefined();
      expect(await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 1000 })).toEqual([]);
      await expectRejects(
        journal.commitStep(stepCommit(claim, { lastSeq: 2, events: [] })),
        ErrorCode.LeaseLost,
        LeaseLostError,
      );
    });

    it("a failed run keeps its serialized error", async () => {
      const { journal } = h();
      const run = await start(journal);
      const error = { name: "Error", message: "boom", data: { retryable: false } };
      await stepOnce(journal, run.runId, {
        events: [{ kind: "run_failed", error }],
        status: "failed",
        error,
      });
      expect(await journal.getRun(run.runId)).toMatchObject({ status: "failed", error });
    });

    it("leaseMs extends the lease from the commit's time; without it the expiry stays", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId, "engine-a", 10_000);
      await journal.commitStep(stepCommit(claim, { events: [] }));
      expect((await journal.getRun(run.runId))?.leaseExpiresAt).toBe(claim.leaseExpiresAt);
      await journal.sendSignal({ runId: run.runId, name: "x", payload: null });
      await advance(5_000);
      const again = await claimRun(journal, run.runId, "engine-a", 10_000);
      const { now } = await journal.commitStep(stepCommit(again, { leaseMs: 60_000 }));
      expect((await journal.getRun(run.runId))?.leaseExpiresAt).toBe(now + 60_000);
      await journal.sendSignal({ runId: run.runId, name: "y", payload: null });
      await advance(30_000);
      expect(await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 10_000 })).toEqual([]);
    });
  });
}
