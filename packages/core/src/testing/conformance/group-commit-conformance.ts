import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import type {
  Journal,
  RunClaim,
  StartRunResult,
  StepCommit,
  StepCommitResult,
  TaskClaim,
} from "../../journal/journal.ts";
import type { Encoded, HistoryEventBody } from "../../model/index.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import {
  claimRun,
  expectRejects,
  namespace,
  options,
  runWithClaimedTasks,
  start,
  stepCommit,
  task,
} from "./conformance-harness.ts";
import { inspectorOf } from "./inspector-conformance.ts";

const first = "activity:act#0@0";
const second = "activity:act#1@0";

/** A run at the point an engine that runs its attempts itself has it: one in-process call open. */
export interface OpenRun {
  readonly claim: RunClaim;
  readonly call: TaskClaim;
  readonly lastSeq: number;
}

/** Starts `count` runs, each with one in-process call of engine-a open. */
export async function openRuns(journal: Journal, count: number): Promise<OpenRun[]> {
  const runs: OpenRun[] = [];
  for (let i = 0; i < count; i++) {
    const { claim, claimed, lastSeq } = await runWithClaimedTasks(journal, [first], options(), true);
    runs.push({ claim, call: claimed[0]!, lastSeq });
  }
  return runs;
}

/**
 * The step an engine commits when an in-process attempt of `run` finished: its result, and
 * either the next in-process call (`next`) or the run's end (`end`).
 */
export function stepAfter(
  run: OpenRun,
  result: Encoded,
  then: { readonly next: string } | { readonly end: Encoded | undefined },
): StepCommit {
  const completed: HistoryEventBody = {
    kind: "activity_completed",
    identity: run.call.identity,
    result,
    attempts: 1,
  };
  const finishTasks = [
    {
      claim: {
        taskId: run.call.taskId,
        attempt: run.call.attempt,
        attemptToken: run.call.attemptToken,
        inProcess: true,
        identity: run.call.identity,
      },
      outcome: { kind: "completed", result },
    } as const,
  ];
  if ("next" in then) {
    const next = {
      ...task(then.next, "act", [then.next], options()),
      claim: true as const,
      inProcess: true as const,
    };
    const scheduled: HistoryEventBody = {
      kind: "activity_scheduled",
      identity: next.identity,
      activityName: next.activityName,
      args: next.args,
      options: next.options,
    };
    return {
      ...stepCommit(run.claim, {
        events: [completed, scheduled],
        tasks: [next],
        lastSeq: run.lastSeq,
        leaseMs: 60_000,
      }),
      finishTasks,
      requireEmptyInbox: true,
    };
  }
  const spec = {
    events: [completed, { kind: "run_completed", result: then.end } as HistoryEventBody],
    lastSeq: run.lastSeq,
  };
  return {
    ...stepCommit(run.claim, {
      ...spec,
      status: "completed",
      ...(then.end === undefined ? {} : { result: then.end }),
    }),
    finishTasks,
    requireEmptyInbox: true,
  };
}

/** The run after `step` committed with `done`: its next call is `done`'s claim. */
export function after(run: OpenRun, done: StepCommitResult): OpenRun {
  const { runVersion: _seen, ...rest } = run.claim;
  return {
    claim: done.runVersion === undefined ? rest : { ...rest, runVersion: done.runVersion },
    call: done.claimedTasks?.[0] ?? run.call,
    lastSeq: done.lastSeq,
  };
}

/**
 * A step to send first among steps sent at once: against a server the first step of a burst
 * goes out alone, at once, and only those that come while it is written are grouped, so the
 * steps a test looks at come after it.
 */
async function leadStep(journal: Journal): Promise<() => Promise<StepCommitResult>> {
  const [lead] = await openRuns(journal, 1);
  return () => journal.commitStep(stepAfter(lead!, "lead", { end: "lead" }));
}

/**
 * Steps of many runs committed at the same time: an SQL journal writes them together (group
 * commit, one statement for those that arrive while another is written); each must come out
 * exactly as if committed alone, and a refused one must not hold back the others.
 */
export function groupCommitConformance(h: HarnessRef): void {
  describe("steps of many runs at once (group commit)", () => {
    it("each run gets its own events, in-process calls and claims; final steps store each result exactly", async () => {
      const { journal } = h();
      const runs = await openRuns(journal, 6);
      const leads = [await leadStep(journal), await leadStep(journal)];
      const [, ...middle] = await Promise.all([
        leads[0]!(),
        ...runs.map((run, i) => journal.commitStep(stepAfter(run, i, { next: second }))),
      ]);
      middle.forEach((done, i) => {
        expect(done.lastSeq).toBe(runs[i]!.lastSeq + 2);
        expect(done.ready).toBeUndefined();
        expect(done.claimedTasks?.map((c) => [c.identity, c.attempt, c.inProcess, c.runId])).toEqual([
          [second, 1, true, runs[i]!.claim.run.runId],
        ]);
      });
      const next = runs.map((run, i) => after(run, middle[i]!));
      // Results a workflow can return, JSON null and none among them: each must read back as given.
      const outcomes: (Encoded | undefined)[] = [null, { a: [1, "x"] }, "text", 0, false, undefined];
      const [, ...ends] = await Promise.all([
        leads[1]!(),
        ...next.map((run, i) => journal.commitStep(stepAfter(run, `r${i}`, { end: outcomes[i] }))),
      ]);
      for (const [i, run] of next.entries()) {
        const runId = run.claim.run.runId;
        expect(ends[i]!.lastSeq).toBe(run.lastSeq + 2);
        const stored = await journal.getRun(runId);
        expect(stored?.status).toBe("completed");
        // (SQL journals read a stored JSON null back as no result, alone or batched.)
        expect(stored?.result ?? null).toEqual(outcomes[i] ?? null);
        expect(stored?.leaseOwner).toBeUndefined();
        const history = await journal.readHistory(runId);
        expect(history.map((e) => [e.seq, e.kind])).toEqual([
          [1, "run_started"],
          [2, "activity_scheduled"],
          [3, "activity_completed"],
          [4, "activity_scheduled"],
          [5, "activity_completed"],
          [6, "run_completed"],
        ]);
        expect(history[2]).toMatchObject({ identity: first, result: i });
        expect(history[4]).toMatchObject({ identity: second, result: `r${i}` });
        expect(history[5]?.kind === "run_completed" && history[5].result).toEqual(outcomes[i]);
        const tasks = await inspectorOf(journal).listTasks(runId);
        expect(tasks.map((t) => [t.identity, t.status])).toEqual([
          [first, "completed"],
          [second, "completed"],
        ]);
      }
      // Ended: nothing left to claim, no attempt to persist.
      expect(await journal.claimRuns({ owner: "engine-b", limit: 100, leaseMs: 30_000 })).toEqual([]);
    });

    it("a refused step among others gets its own error and writes nothing; the others commit", async () => {
      const { journal } = h();
      const runs = await openRuns(journal, 5);
      // Run 1 assumes a position it is not at; run 3 assumes an empty inbox, but a signal came.
      const wrongSeq = { ...runs[1]!, lastSeq: runs[1]!.lastSeq + 1 };
      await journal.sendSignal({ runId: runs[3]!.claim.run.runId, name: "go", payload: 1 });
      const lead = await leadStep(journal);
      const leading = lead();
      const steps = [runs[0]!, wrongSeq, runs[2]!, runs[3]!, runs[4]!].map((run, i) =>
        journal.commitStep(stepAfter(run, i, { next: second })),
      );
      await leading;
      const settled = await Promise.allSettled(steps);
      expect(settled.map((s) => s.status)).toEqual([
        "fulfilled",
        "rejected",
        "fulfilled",
        "rejected",
        "fulfilled",
      ]);
      await expectRejects(steps[1]!, ErrorCode.SequenceConflict);
      await expectRejects(steps[3]!, ErrorCode.InboxNotEmpty);
      for (const i of [1, 3]) {
        const history = await journal.readHistory(runs[i]!.claim.run.runId);
        expect(history.map((e) => e.kind)).toEqual(["run_started", "activity_scheduled"]);
      }
      for (const i of [0, 2, 4]) {
        const history = await journal.readHistory(runs[i]!.claim.run.runId);
        expect(history.map((e) => e.kind)).toEqual([
          "run_started",
          "activity_scheduled",
          "activity_completed",
          "activity_scheduled",
        ]);
      }
      // The refused run is as it was: its call still in-process, the signal still waiting.
      const woken = await claimRun(journal, runs[3]!.claim.run.runId, "engine-a");
      expect(woken.inbox.map((item) => item.event)).toEqual([
        { kind: "signal_received", name: "go", payload: 1 },
      ]);
      expect(woken.inProcessCalls).toEqual([first]);
    });

    it("a final step drops what its run still had waiting (a timer) and ends its lease; a started run keeps the eager window", async () => {
      const { journal } = h();
      const runs = await openRuns(journal, 3);
      // Run 0 set a timer in an earlier step (a step with a timer is written on its own).
      const timer = { identity: "sleep:nap#0@0", delayMs: 3_600_000 };
      const withTimer = await journal.commitStep({
        ...stepCommit(runs[0]!.claim, {
          timers: [timer],
          lastSeq: runs[0]!.lastSeq,
          leaseMs: 60_000,
        }),
      });
      const ready = [after(runs[0]!, withTimer), runs[1]!, runs[2]!];
      // A run started leased to its starter (eager window), stepped at the same time.
      const { claim: eager } = await journal.startRun({
        namespace,
        workflowName: "wf",
        versionHash: "v1",
        input: null,
        lease: { owner: "engine-a", leaseMs: 30_000 },
      });
      const lead = (await leadStep(journal))();
      const eagerStep = journal.commitStep({
        ...stepCommit(eager!, {
          tasks: [{ ...task(first, "act", [], options()), claim: true, inProcess: true }],
          leaseMs: 60_000,
        }),
      });
      const [, eagerDone, ...ended] = await Promise.all([
        lead,
        eagerStep,
        ...ready.map((run, i) => journal.commitStep(stepAfter(run, i, { end: i }))),
      ]);
      expect(ended.map((done) => done.lastSeq)).toEqual(ready.map((run) => run.lastSeq + 2));
      expect(await inspectorOf(journal).listTimers(ready[0]!.claim.run.runId)).toEqual([]);
      for (const run of ready) expect((await journal.getRun(run.claim.run.runId))?.status).toBe("completed");
      expect(eagerDone!.ready).toBeUndefined();
      expect(eagerDone!.claimedTasks?.map((c) => c.identity)).toEqual([first]);
      // Inside the window nobody claims the eager run; a signal makes it claimable at once.
      expect(await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 30_000 })).toEqual([]);
      await journal.sendSignal({ runId: eager!.run.runId, name: "go", payload: 2 });
      const woken = await claimRun(journal, eager!.run.runId, "engine-a");
      expect(woken.inbox).toHaveLength(1);
    });

    it("eager starts with their first steps at once: each run is inserted as if alone; a taken run id gets its own error", async () => {
      const { journal } = h();
      const lease = { owner: "engine-a", leaseMs: 30_000 };
      const taken = await start(journal);
      const startOne = (runId: string, i: number) => {
        const call = {
          ...task(first, "act", [i], options()),
          claim: true as const,
          inProcess: true as const,
        };
        const fresh = {
          lease: { runId, owner: lease.owner, fencingToken: 1 },
          run: { lastSeq: 1 },
          inbox: [],
        };
        const step = stepCommit(fresh as unknown as RunClaim, { tasks: [call], leaseMs: 60_000 });
        return journal.startRun({
          namespace,
          workflowName: "wf",
          versionHash: "v1",
          input: i === 1 ? null : { i },
          lease,
          runId,
          firstStep: step,
        });
      };
      // The first start of a burst (a lead, unchecked) goes out alone against a server.
      const ids = [`gc-lead-${crypto.randomUUID()}`, ...[1, 2, 3].map(() => `gc-${crypto.randomUUID()}`)];
      const settled = await Promise.allSettled(ids.map(startOne));
      expect(settled.map((s) => s.status)).toEqual(ids.map(() => "fulfilled"));
      // A burst with an id already taken: that start alone is refused.
      const again = [`gc-lead-${crypto.randomUUID()}`, taken.runId, `gc-${crypto.randomUUID()}`].map(
        (id, i) => startOne(id, 10 + i),
      );
      const second = await Promise.allSettled(again);
      expect(second.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      await expectRejects(again[1]!, ErrorCode.RunAlreadyExists);
      const startedOf = (i: number) => (settled[i] as PromiseFulfilledResult<StartRunResult>).value;
      for (const i of [1, 2, 3]) {
        const started = startedOf(i);
        expect(started.created).toBe(true);
        expect(started.run).toMatchObject({
          runId: ids[i],
          lastSeq: 2,
          fencingToken: 1,
          leaseOwner: "engine-a",
        });
        expect(started.run.input).toEqual(i === 1 ? null : { i });
        expect(started.firstStep?.lastSeq).toBe(2);
        expect(started.firstStep?.claimedTasks?.map((c) => [c.identity, c.inProcess, c.runId])).toEqual([
          [first, true, ids[i]],
        ]);
        const history = await journal.readHistory(ids[i]!);
        expect(history.map((e) => [e.seq, e.kind])).toEqual([
          [1, "run_started"],
          [2, "activity_scheduled"],
        ]);
        expect(history[1]).toMatchObject({ identity: first, args: [i] });
      }
      // The taken id's run is as it was; the new runs are inside their eager windows.
      expect((await journal.getRun(taken.runId))?.lastSeq).toBe(1);
      const claimed = await journal.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 30_000 });
      expect(claimed.map((c) => c.run.runId)).not.toContain(ids[1]);
      // A started run goes on as any run: its in-process call finished by its next step.
      const { firstStep: step, run } = startedOf(1);
      const claim = {
        lease: { runId: run.runId, owner: "engine-a", fencingToken: 1 },
        run,
        inbox: [],
        ...(step?.runVersion === undefined ? {} : { runVersion: step.runVersion }),
      } as unknown as RunClaim;
      const next = await journal.commitStep(
        stepAfter({ claim, call: step!.claimedTasks![0]!, lastSeq: 2 }, "done", { end: "ok" }),
      );
      expect(next.lastSeq).toBe(4);
      expect((await journal.getRun(ids[1]!))?.status).toBe("completed");
    });
  });
}
