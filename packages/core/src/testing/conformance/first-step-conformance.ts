import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import { LeaseLostError } from "../../errors/journal-errors.ts";
import type { Journal, StartRunRequest, StepCommit } from "../../journal/journal.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import {
  claimRun,
  expectRejects,
  namespace,
  scheduledEvent,
  task,
  timerEvent,
} from "./conformance-harness.ts";

const lease = { owner: "engine-a", leaseMs: 30_000 };

/** A first step for a new run `runId` under the eager lease (fencing token 1, after run_started). */
function firstStep(runId: string, spec: Partial<StepCommit> = {}): StepCommit {
  const tasks = spec.tasks ?? [];
  const timers = spec.timers ?? [];
  return {
    lease: { runId, owner: lease.owner, fencingToken: 1 },
    lastSeq: 1,
    delivered: [],
    events: spec.events ?? [...tasks.map(scheduledEvent), ...timers.map(timerEvent)],
    tasks,
    timers,
    cancelTimers: [],
    run: { status: "running" },
    leaseMs: 60_000,
    ...spec,
  };
}

/** A fresh start of `wf` with `step` as its first step. */
function startWith(
  journal: Journal,
  runId: string,
  step: StepCommit,
  overrides: Partial<StartRunRequest> = {},
) {
  return journal.startRun({
    namespace,
    workflowName: "wf",
    versionHash: "v1",
    input: { n: 1 },
    lease,
    runId,
    firstStep: step,
    ...overrides,
  });
}

/**
 * Eager start with its first step (StartRunRequest.firstStep): the run is inserted with the
 * step applied, atomically, and is then exactly what an eager start followed by that step's
 * commit leaves.
 */
export function firstStepConformance(h: HarnessRef): void {
  describe("start with its first step", () => {
    it("inserts the run with the step applied: its history, its claimed and pending tasks, its timer, its lease; nobody claims it inside the eager window", async () => {
      const { journal, advance } = h();
      const runId = randomUUID();
      const claimed = { ...task("activity:a#0@0"), claim: true as const };
      const pending = task("activity:b#0@0", "other");
      const timer = { identity: "timer:t#0@0", delayMs: 5_000 };
      const before = await journal.now();
      const {
        run,
        created,
        claim,
        firstStep: committed,
      } = await startWith(journal, runId, firstStep(runId, { tasks: [claimed, pending], timers: [timer] }));
      expect(created).toBe(true);
      expect(claim).toBeUndefined();
      expect(run.runId).toBe(runId);
      expect(run.workflowId).toBe(runId);
      expect(run.status).toBe("running");
      expect(run.lastSeq).toBe(4);
      expect(run.fencingToken).toBe(1);
      expect(run.leaseOwner).toBe("engine-a");
      expect(run.leaseExpiresAt).toBeGreaterThanOrEqual(before + 60_000);
      expect(committed?.lastSeq).toBe(4);
      expect(committed?.now).toBeGreaterThanOrEqual(before);
      expect(committed?.ready).toBeUndefined();
      expect(committed?.claimedTasks?.map((t) => [t.identity, t.attempt, t.runId])).toEqual([
        ["activity:a#0@0", 1, runId],
      ]);
      expect(await journal.getRun(runId)).toEqual(run);
      const history = await journal.readHistory(runId);
      expect(history.map((e) => [e.seq, e.kind])).toEqual([
        [1, "run_started"],
        [2, "activity_scheduled"],
        [3, "activity_scheduled"],
        [4, "timer_started"],
      ]);
      expect(history[0]).toMatchObject({ workflowName: "wf", versionHash: "v1", input: { n: 1 } });
      // Only the task not created claimed waits for a worker.
      expect((await journal.claimTasks({ owner: "w", limit: 10 })).map((t) => t.identity)).toEqual([
        "activity:b#0@0",
      ]);
      // The timer (5 s) is the earliest thing due: the attempt's deadline is 30 s away.
      const due = await journal.nextDueAt();
      expect(due).toBeGreaterThanOrEqual(before + 5_000);
      expect(due).toBeLessThan(before + 30_000);
      expect(await journal.claimRuns({ owner: "engine-a", limit: 10, leaseMs: 30_000 })).toEqual([]);
      expect(await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 30_000 })).toEqual([]);
      // The window (the start's lease, 30 s) ends while the step's renewed lease (60 s) lasts:
      // the owner claims it once more, as after an eager start and its first commit.
      await advance(31_000);
      expect(await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 30_000 })).toEqual([]);
      const again = await claimRun(journal, runId, "engine-a");
      expect(again.lease.fencingToken).toBe(1);
      expect(again.run.lastSeq).toBe(4);
    });

    it("the next step commits under the same lease, from the returned position and row version", async () => {
      const { journal } = h();
      const runId = randomUUID();
      const { firstStep: committed } = await startWith(
        journal,
        runId,
        firstStep(runId, { tasks: [{ ...task("activity:a#0@0"), claim: true }] }),
      );
      const result = await journal.commitStep({
        ...firstStep(runId, { lastSeq: committed!.lastSeq, events: [] }),
        run: { status: "completed", result: 7 },
        ...(committed?.runVersion === undefined ? {} : { runVersion: committed.runVersion }),
      });
      expect(result.lastSeq).toBe(2);
      const run = await journal.getRun(runId);
      expect(run?.status).toBe("completed");
      expect(run?.result).toBe(7);
      expect(run?.leaseOwner).toBeUndefined();
    });

    it("a signal sent after the start makes the run claimable at once", async () => {
      const { journal } = h();
      const runId = randomUUID();
      await startWith(journal, runId, firstStep(runId, { tasks: [task("activity:a#0@0")] }));
      await journal.sendSignal({ runId, name: "go", payload: 1 });
      const woken = await claimRun(journal, runId, "engine-a");
      expect(woken.lease.fencingToken).toBe(1);
      expect(woken.run.lastSeq).toBe(2);
      expect(woken.inbox.map((item) => item.event)).toEqual([
        { kind: "signal_received", name: "go", payload: 1 },
      ]);
    });

    it("a first step that ends the run, or does not keep it, is applied in full", async () => {
      const { journal } = h();
      const ended = randomUUID();
      const done = await startWith(
        journal,
        ended,
        firstStep(ended, { run: { status: "completed", result: { ok: true } }, events: [] }),
      );
      expect(done.run.status).toBe("completed");
      expect(done.run.result).toEqual({ ok: true });
      expect(done.run.leaseOwner).toBeUndefined();
      expect(done.firstStep?.lastSeq).toBe(1);
      expect((await journal.getRun(ended))?.finishedAt).toBeDefined();
      const plain = randomUUID();
      const { leaseMs: _keep, ...notKept } = firstStep(plain, { tasks: [task("activity:a#0@0")] });
      const kept = await startWith(journal, plain, notKept);
      expect(kept.run.lastSeq).toBe(2);
      expect((await journal.readHistory(plain)).map((e) => e.kind)).toEqual([
        "run_started",
        "activity_scheduled",
      ]);
      expect((await journal.claimTasks({ owner: "w", limit: 10 })).map((t) => t.runId)).toEqual([plain]);
    });

    it("a step the journal refuses writes nothing: no run, no event, no task; the start can be made again", async () => {
      const { journal } = h();
      const runId = randomUUID();
      await expectRejects(
        startWith(
          journal,
          runId,
          firstStep(runId, {
            tasks: [task("activity:a#0@0")],
            timers: [{ identity: "timer:t#0@0", delayMs: Number.NaN }],
          }),
        ),
        ErrorCode.InvalidDuration,
      );
      expect(await journal.getRun(runId)).toBeUndefined();
      expect(await journal.readHistory(runId)).toEqual([]);
      expect(await journal.claimTasks({ owner: "w", limit: 10 })).toEqual([]);
      expect((await journal.listRuns({ namespace })).runs).toEqual([]);
      const retried = await startWith(journal, runId, firstStep(runId, { tasks: [task("activity:a#0@0")] }));
      expect(retried.run.lastSeq).toBe(2);
    });

    it("a run id that is taken, by an open run or a closed one, is refused with RunAlreadyExistsError; nothing is written", async () => {
      const { journal } = h();
      const open = randomUUID();
      await startWith(journal, open, firstStep(open, { tasks: [task("activity:a#0@0")] }));
      const closed = randomUUID();
      await startWith(
        journal,
        closed,
        firstStep(closed, { run: { status: "completed", result: 1 }, events: [] }),
      );
      const tasksBefore = (await journal.claimTasks({ owner: "w", limit: 10 })).length;
      for (const runId of [open, closed]) {
        const before = await journal.readHistory(runId);
        const again = firstStep(runId, {
          tasks: [task("activity:b#0@0")],
          timers: [{ identity: "timer:t#0@0", delayMs: 1 }],
        });
        await expectRejects(startWith(journal, runId, again), ErrorCode.RunAlreadyExists);
        // The one-statement form and the checked transaction alike.
        const { leaseMs: _keep, ...checked } = again;
        await expectRejects(startWith(journal, runId, checked), ErrorCode.RunAlreadyExists);
        expect(await journal.readHistory(runId)).toEqual(before);
      }
      expect(tasksBefore).toBe(1);
      expect(await journal.claimTasks({ owner: "w", limit: 10 })).toEqual([]);
      // No timer of the refused steps (1 ms): the earliest due is the open run's attempt deadline.
      expect(await journal.nextDueAt()).toBeGreaterThan((await journal.now()) + 1_000);
    });

    it("refuses, writing nothing, a first step that does not belong to a fresh eager start", async () => {
      const { journal } = h();
      const runId = randomUUID();
      const step = firstStep(runId, { tasks: [task("activity:a#0@0")] });
      const refusals: Array<Partial<StartRunRequest>> = [
        { firstStep: { ...step, lease: { ...step.lease, fencingToken: 2 } } },
        { firstStep: { ...step, lease: { ...step.lease, owner: "engine-b" } } },
        { firstStep: { ...step, lastSeq: 2 } },
        { runId: randomUUID() },
        { workflowId: "order-1" },
        { startDelayMs: 1_000 },
        { lease: undefined },
      ];
      for (const overrides of refusals)
        await expectRejects(startWith(journal, runId, step, overrides), ErrorCode.InvalidArgument);
      expect((await journal.listRuns({ namespace })).runs).toEqual([]);
    });

    it("a starter that dies after the start: another engine claims the run once the lease expired, with the step's history, and the starter is fenced", async () => {
      const { journal, advance } = h();
      const runId = randomUUID();
      await startWith(journal, runId, firstStep(runId, { tasks: [task("activity:a#0@0")] }));
      await advance(61_000);
      const taken = await claimRun(journal, runId, "engine-b");
      expect(taken.lease.fencingToken).toBe(2);
      expect(taken.run.lastSeq).toBe(2);
      expect(
        taken.history?.map((e) => e.kind) ?? (await journal.readHistory(runId)).map((e) => e.kind),
      ).toEqual(["run_started", "activity_scheduled"]);
      await expectRejects(
        journal.commitStep(firstStep(runId, { lastSeq: 2, events: [] })),
        ErrorCode.LeaseLost,
        LeaseLostError,
      );
    });
  });
}
