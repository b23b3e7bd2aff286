import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import { InvalidDurationError } from "../../errors/journal-errors.ts";
import { MAX_INSTANT_MS } from "../../journal/instant-limits.ts";
import { NotifyTopic } from "../../journal/notifier.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import { claimRun, eventually, expectRejects, start, stepCommit, stepOnce } from "./conformance-harness.ts";

/**
 * Runs an engine cannot step right now: claims that skip the claimer's in-flight runs
 * (`exclude`), releases that defer a run (`notBeforeMs`, drift and step-error backoff), and
 * durations past the last instant the journal can hold (clamped the same way everywhere).
 */
export function deferralConformance(h: HarnessRef): void {
  describe("claimRuns exclude", () => {
    it("never returns a run the claimer listed, and takes the next ready one instead", async () => {
      const { journal } = h();
      const first = await start(journal);
      const second = await start(journal);
      const claims = await journal.claimRuns({
        owner: "engine-a",
        limit: 1,
        leaseMs: 30_000,
        exclude: [first.runId],
      });
      expect(claims.map((c) => c.run.runId)).toEqual([second.runId]);
      // Excluding is not releasing: a claim without the list takes the first run as usual.
      expect(
        (await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 30_000 })).map((c) => c.run.runId),
      ).toEqual([first.runId, second.runId]);
    });

    it("leaves an excluded run's lease and fencing token alone, even when the lease expired", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId, "engine-a", 1_000);
      await advance(5_000);
      expect(
        await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 30_000, exclude: [run.runId] }),
      ).toEqual([]);
      // The slow step still commits under its token: its own engine did not fence it out.
      await journal.commitStep(stepCommit(claim));
      expect((await journal.getRun(run.runId))?.fencingToken).toBe(claim.lease.fencingToken);
    });
  });

  describe("releaseRun notBeforeMs", () => {
    it("defers the run for every claimer until the journal clock passes the deferral", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId);
      await journal.releaseRun(claim.lease, { notBeforeMs: 10_000 });
      expect((await journal.getRun(run.runId))?.leaseOwner).toBeUndefined();
      expect(await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 30_000 })).toEqual([]);
      expect(await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 30_000 })).toEqual([]);
      await advance(9_000);
      expect(await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 30_000 })).toEqual([]);
      await advance(1_500);
      const again = await claimRun(journal, run.runId, "engine-b");
      expect(again.lease.fencingToken).toBeGreaterThan(claim.lease.fencingToken);
    });

    it("a deferred run gives up its place in the ready order: the next ready run is claimed", async () => {
      const { journal } = h();
      const stuck = await start(journal);
      const healthy = await start(journal);
      const [claim] = await journal.claimRuns({ owner: "engine-a", limit: 1, leaseMs: 30_000 });
      expect(claim?.run.runId).toBe(stuck.runId);
      await journal.releaseRun(claim!.lease, { notBeforeMs: 60_000 });
      const next = await journal.claimRuns({ owner: "engine-a", limit: 1, leaseMs: 30_000 });
      expect(next.map((c) => c.run.runId)).toEqual([healthy.runId]);
    });

    it("inbox items that arrive meanwhile wait for the deferral, and are all there after it", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId);
      await journal.commitStep(stepCommit(claim));
      await journal.sendSignal({ runId: run.runId, name: "go", payload: 1 });
      const signalled = await claimRun(journal, run.runId);
      await journal.releaseRun(signalled.lease, { notBeforeMs: 5_000 });
      await journal.sendSignal({ runId: run.runId, name: "go", payload: 2 });
      expect(await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 30_000 })).toEqual([]);
      await advance(6_000);
      const after = await claimRun(journal, run.runId);
      expect(after.inbox.map((item) => item.event)).toEqual([
        { kind: "signal_received", name: "go", payload: 1 },
        { kind: "signal_received", name: "go", payload: 2 },
      ]);
    });

    it("is fenced: a stale lease's deferring release changes nothing", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const old = await claimRun(journal, run.runId, "engine-a", 1_000);
      await advance(2_000);
      const current = await claimRun(journal, run.runId, "engine-b");
      await journal.releaseRun(old.lease, { notBeforeMs: 60_000 });
      expect((await journal.getRun(run.runId))?.leaseOwner).toBe("engine-b");
      await journal.releaseRun(current.lease);
      // engine-b's plain release hands the run back at once.
      await claimRun(journal, run.runId, "engine-c");
    });

    it("a deferring release announces nothing; a plain release announces a ready run", async () => {
      const harness = h();
      const { journal } = harness;
      const ready: string[] = [];
      const unsubscribe = journal.notifier.subscribe(NotifyTopic.runReady, (id) => ready.push(id));
      await (harness.listening ? harness.listening() : new Promise((resolve) => setTimeout(resolve, 100)));
      const deferred = await start(journal);
      const plain = await start(journal);
      await eventually(() => ready.includes(deferred.runId) && ready.includes(plain.runId));
      const claims = await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 30_000 });
      ready.length = 0;
      await journal.releaseRun(claims.find((c) => c.run.runId === deferred.runId)!.lease, {
        notBeforeMs: 60_000,
      });
      await journal.releaseRun(claims.find((c) => c.run.runId === plain.runId)!.lease);
      // Hints arrive in commit order: once the plain release's is here, the deferred one's would be too.
      await eventually(() => ready.includes(plain.runId));
      expect(ready).not.toContain(deferred.runId);
      unsubscribe();
    });
  });

  describe("instants past what the journal can hold", () => {
    it("timers past year 275760 are clamped to the last instant, the same in every journal", async () => {
      const { journal } = h();
      const run = await start(journal);
      await stepOnce(journal, run.runId, {
        timers: [
          { identity: "sleep:#0@0", delayMs: 1e300 },
          { identity: "sleep:#1@0", delayMs: Number.POSITIVE_INFINITY },
          { identity: "sleepUntil:#0@0", until: 1e17 },
        ],
        events: [],
      });
      expect(await journal.nextDueAt()).toBe(MAX_INSTANT_MS);
      expect(await journal.fireDueTimers(10)).toBe(0);
    });

    it("a NaN timer delay is refused with InvalidDurationError and nothing is written", async () => {
      const { journal } = h();
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId);
      const error = await expectRejects(
        journal.commitStep(stepCommit(claim, { timers: [{ identity: "sleep:#0@0", delayMs: Number.NaN }] })),
        ErrorCode.InvalidDuration,
        InvalidDurationError,
      );
      expect(error.hint).toMatch(/finite/);
      expect((await journal.getRun(run.runId))?.lastSeq).toBe(1);
      expect(await journal.nextDueAt()).toBeUndefined();
      // The lease is intact: a valid commit goes through.
      await journal.commitStep(stepCommit(claim, { timers: [{ identity: "sleep:#0@0", delayMs: 1_000 }] }));
      expect((await journal.getRun(run.runId))?.lastSeq).toBe(2);
    });

    it("activity timeouts past the last instant are clamped: claim and heartbeat work, the deadline is the last instant", async () => {
      const { journal } = h();
      const run = await start(journal);
      const huge = {
        retry: {
          maxAttempts: 1,
          initialIntervalMs: 1,
          backoffCoefficient: 1,
          maxIntervalMs: 1,
          nonRetryableErrors: [],
        },
        startToCloseMs: 1e16,
        heartbeatTimeoutMs: 2e16,
      };
      await stepOnce(journal, run.runId, {
        tasks: [{ identity: "activity:act#0@0", activityName: "act", args: [], options: huge }],
        events: [],
      });
      const [claim] = await journal.claimTasks({ owner: "worker-1", limit: 10 });
      expect(claim?.deadline).toBe(MAX_INSTANT_MS);
      await journal.heartbeatTask(claim!, "still going");
      expect(await journal.nextDueAt()).toBe(MAX_INSTANT_MS);
      await journal.finishTask(claim!, { kind: "completed", result: "done" });
      expect(await journal.nextDueAt()).toBeUndefined();
    });

    it("a deferral and a retry delay past the last instant are clamped too", async () => {
      const { journal, advance } = h();
      const run = await start(journal);
      const claim = await claimRun(journal, run.runId);
      await journal.releaseRun(claim.lease, { notBeforeMs: Number.POSITIVE_INFINITY });
      await advance(1e9);
      expect(await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 30_000 })).toEqual([]);
      const other = await start(journal);
      await stepOnce(journal, other.runId, {
        tasks: [
          {
            identity: "activity:act#0@0",
            activityName: "act",
            args: [],
            options: {
              retry: {
                maxAttempts: 3,
                initialIntervalMs: 1,
                backoffCoefficient: 2,
                maxIntervalMs: 1,
                nonRetryableErrors: [],
              },
              startToCloseMs: 30_000,
            },
          },
        ],
      });
      const [task] = await journal.claimTasks({ owner: "worker-1", limit: 10 });
      await expectRejects(
        journal.finishTask(task!, {
          kind: "retry",
          error: { name: "Error", message: "nan" },
          delayMs: Number.NaN,
        }),
        ErrorCode.InvalidDuration,
      );
      // Refused before any change: the attempt is still current.
      await journal.finishTask(task!, {
        kind: "retry",
        error: { name: "Error", message: "later" },
        delayMs: 1e300,
      });
      expect(await journal.nextDueAt()).toBe(MAX_INSTANT_MS);
      await expectRejects(
        journal.finishTask(task!, { kind: "retry", error: { name: "Error", message: "x" }, delayMs: 1 }),
        ErrorCode.StaleAttempt,
      );
    });
  });
}
