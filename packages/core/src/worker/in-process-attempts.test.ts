import { describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import { ManualClock, MemoryJournal } from "../journal/memory/index.ts";
import { createManualTimers } from "../testing/manual-timers.ts";
import { activity, defineActivity, workflow } from "../workflow/index.ts";
import { activityContext } from "./activity-context.ts";
import { instrumented, testRuntime } from "./test-support/drive-runtime.ts";

// Attempts a step creates for the engine that keeps its run run in-process, without a task row
// (NewTask.inProcess). These tests pin down when such an attempt gets its row after all
// (persistAttempts) and what the task list shows meanwhile.

const file = "packages/core/src/worker/in-process-attempts.test.ts";
const stamp = (versionHash: string, line: number) =>
  ({ format: 1, versionHash, cursors: [], file, line }) as const;

/** Waits, without a wall-clock limit, until `check` holds (the runner's timeout catches a hang). */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setImmediate(resolve));
}

describe("in-process attempts (memory journal, runtime driven by hand)", () => {
  it("a three-step run writes no task row at all: the task list reads its calls from the history", async () => {
    const touch = defineActivity("inproc.touch", async (n: number) => n * 2);
    const flow = workflow.stamped(stamp("inproc-three", 24))("inproc.three", { version: 1 }, async () => {
      const a = await activity.at("activity:touch#0")(touch, 1);
      const b = await activity.at("activity:touch#1")(touch, a);
      return activity.at("activity:touch#2")(touch, b);
    });
    const memory = new MemoryJournal();
    const { journal, calls } = instrumented(memory);
    const { drive } = testRuntime(journal, { workflows: [flow], activities: [touch] });
    const run = await createClient({ journal }).start(flow, undefined);
    await drive();
    expect((await journal.getRun(run.runId))?.result).toBe(8);
    expect(calls("persistAttempts")).toBe(0);
    expect(calls("finishTask")).toBe(0);
    const tasks = await journal.inspector!.listTasks(run.runId);
    expect(tasks.map((t) => [t.identity, t.status, t.attempt, t.fromHistory, t.taskId])).toEqual([
      ["activity:touch#0@0", "completed", 1, true, "history:activity:touch#0@0"],
      ["activity:touch#1@0", "completed", 1, true, "history:activity:touch#1@0"],
      ["activity:touch#2@0", "completed", 1, true, "history:activity:touch#2@0"],
    ]);
  });

  it("a failed attempt with tries left gets its row and is retried from the journal as attempt 2", async () => {
    let tries = 0;
    const flaky = defineActivity(
      "inproc.flaky",
      async () => {
        tries++;
        if (tries === 1) throw new Error("first try fails");
        return `ok after ${tries}`;
      },
      { retry: { maxAttempts: 3, initialIntervalMs: 1 } },
    );
    const flow = workflow.stamped(stamp("inproc-flaky", 56))("inproc.flaky", { version: 1 }, async () =>
      activity.at("activity:flaky#0")(flaky),
    );
    const clock = new ManualClock();
    const memory = new MemoryJournal({ clock });
    const { journal, calls } = instrumented(memory);
    const { drive } = testRuntime(journal, { workflows: [flow], activities: [flaky] });
    const run = await createClient({ journal }).start(flow, undefined);
    await drive();
    clock.advance(10);
    await drive();
    expect((await journal.getRun(run.runId))?.result).toBe("ok after 2");
    expect(calls("persistAttempts")).toBe(1);
    const tasks = await journal.inspector!.listTasks(run.runId);
    expect(tasks.map((t) => [t.status, t.attempt, t.fromHistory])).toEqual([["completed", 2, undefined]]);
  });

  it("an outcome that can get no row at all: the engine stops holding the run, whose call is re-issued once its lease is over", async () => {
    let tries = 0;
    const flaky = defineActivity(
      "inproc.unwritable",
      async () => {
        tries++;
        if (tries === 1) throw new Error("first try fails");
        return `ok after ${tries}`;
      },
      { retry: { maxAttempts: 3, initialIntervalMs: 1 } },
    );
    const flow = workflow.stamped(stamp("inproc-unwritable", 82))(
      "inproc.unwritable",
      { version: 1 },
      async () => activity.at("activity:unwritable#0")(flaky),
    );
    const clock = new ManualClock();
    const memory = new MemoryJournal({ clock });
    // The journal refuses every persist until told otherwise (a database that is down).
    let persistWorks = false;
    const failing = new Proxy(memory, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (property === "persistAttempts" && !persistWorks)
          return async () => {
            throw new Error("database down");
          };
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const { journal, calls } = instrumented(failing);
    const { runtime, drive } = testRuntime(journal, { workflows: [flow], activities: [flaky] });
    const errors: string[] = [];
    runtime.events.on("engine.error", (e) => errors.push(e.where));
    const run = await createClient({ journal }).start(flow, undefined);
    await drive();
    // The retry needed a row; five reports failed, so the engine let go of the run, lease kept.
    expect(errors.filter((where) => where === "activity_loop")).toHaveLength(5);
    expect(runtime.cache.peek(run.runId)).toBeUndefined();
    expect((await memory.getRun(run.runId))?.leaseOwner).toBe("engine-a");
    expect(calls("releaseRun")).toBe(0);

    persistWorks = true;
    clock.advance(30_001); // the run's lease is over: the timer wheel wakes it, the claim re-issues
    await drive();
    expect(calls("reissueAttempts")).toBe(1);
    expect((await journal.getRun(run.runId))?.result).toBe("ok after 2");
    const history = await journal.readHistory(run.runId);
    expect(history.filter((e) => e.kind === "activity_completed")).toMatchObject([{ attempts: 2 }]);
  });

  it("an attempt that heartbeats gets its row first: heartbeats need one", async () => {
    const beating = defineActivity("inproc.beating", async () => {
      await activityContext().heartbeat({ progress: 1 });
      return "beaten";
    });
    const flow = workflow.stamped(stamp("inproc-beat", 80))("inproc.beat", { version: 1 }, async () =>
      activity.at("activity:beating#0")(beating),
    );
    const memory = new MemoryJournal();
    const { journal, calls } = instrumented(memory);
    const { drive } = testRuntime(journal, { workflows: [flow], activities: [beating] });
    const run = await createClient({ journal }).start(flow, undefined);
    await drive();
    expect((await journal.getRun(run.runId))?.result).toBe("beaten");
    expect(calls("persistAttempts")).toBe(1);
    const tasks = await journal.inspector!.listTasks(run.runId);
    expect(tasks.map((t) => [t.status, t.fromHistory])).toEqual([["completed", undefined]]);
  });

  it("an attempt still running after a third of the engine's lease gets its row, and shows as a task", async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slow = defineActivity("inproc.slow", async () => {
      await gate;
      return "slow";
    });
    const flow = workflow.stamped(stamp("inproc-slow", 104))("inproc.slow", { version: 1 }, async () =>
      activity.at("activity:slow#0")(slow),
    );
    const clock = new ManualClock();
    const timers = createManualTimers(clock);
    const memory = new MemoryJournal({ clock });
    const { journal, calls } = instrumented(memory);
    const { runtime, drive } = testRuntime(journal, {
      workflows: [flow],
      activities: [slow],
      timers,
      leaseMs: 30_000,
      attemptLeaseMs: 30_000,
    });
    const run = await createClient({ journal }).start(flow, undefined);
    await runtime.pollRuns();
    await runtime.settleSteps();
    expect(runtime.pool.active).toBe(1);
    expect((await journal.inspector!.listTasks(run.runId)).map((t) => t.fromHistory)).toEqual([true]);
    timers.advanceTo(clock.now() + 9_999);
    expect(calls("persistAttempts")).toBe(0);
    timers.advanceTo(clock.now() + 1);
    await until(async () => (await journal.inspector!.listTasks(run.runId))[0]?.fromHistory === undefined);
    const listed = await journal.inspector!.listTasks(run.runId);
    expect(listed.map((t) => [t.status, t.attempt])).toEqual([["running", 1]]);
    open();
    await drive();
    expect((await journal.getRun(run.runId))?.result).toBe("slow");
    expect(calls("persistAttempts")).toBe(1);
  });

  it("an evicted run's attempt gets its row before the lease goes, and its result comes through finishTask", async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const gated = defineActivity("inproc.gated", async (n: number) => {
      if (n === 1) await gate;
      return n;
    });
    const flow = workflow.stamped(stamp("inproc-evict", 142))(
      "inproc.evict",
      { version: 1 },
      async (n: number) => activity.at("activity:gated#0")(gated, n),
    );
    const memory = new MemoryJournal();
    const { journal, calls } = instrumented(memory);
    const { runtime, drive } = testRuntime(journal, { workflows: [flow], activities: [gated], cacheSize: 1 });
    const client = createClient({ journal });
    const first = await client.start(flow, 1);
    await runtime.pollRuns();
    await runtime.settleSteps();
    const second = await client.start(flow, 2); // takes the only cache place: the first run is evicted
    await runtime.pollRuns();
    await runtime.settleSteps();
    await runtime.cache.settled();
    expect(calls("persistAttempts")).toBe(1);
    expect((await journal.getRun(first.runId))?.leaseOwner).toBeUndefined();
    open();
    await drive();
    expect((await journal.getRun(first.runId))?.result).toBe(1);
    expect((await journal.getRun(second.runId))?.result).toBe(2);
    expect(calls("finishTask")).toBe(1);
    expect(calls("reissueAttempts")).toBe(0);
  });

  it("a lease lost while an in-process attempt runs: the new owner re-issues the call and the old owner's late result is refused", async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    let ran = 0;
    const slow = defineActivity("inproc.lost", async () => {
      ran++;
      await gate;
      return `slow-done-${ran}`;
    });
    const caller = workflow.stamped(stamp("inproc-lost", 190))("inproc.lost", { version: 1 }, async () =>
      activity.at("activity:slow#0")(slow),
    );
    const clock = new ManualClock();
    const memory = new MemoryJournal({ clock });
    const { journal, calls } = instrumented(memory);
    const a = testRuntime(journal, {
      workflows: [caller],
      activities: [slow],
      leaseMs: 1_000,
      owner: "engine-a",
    });
    const lost: string[] = [];
    const stale: string[] = [];
    a.runtime.events.on("lease.lost", (e) => lost.push(e.during));
    a.runtime.events.on("activity.stale", (e) => stale.push(e.identity));
    const client = createClient({ journal });
    const run = await client.start(caller, undefined);
    await a.runtime.pollRuns();
    await a.runtime.settleSteps();
    expect(a.runtime.pool.active).toBe(1); // started at once, in-process: no task row
    expect(calls("claimTasks")).toBe(0);
    expect((await journal.inspector.listTasks(run.runId)).map((t) => [t.status, t.fromHistory])).toEqual([
      ["running", true],
    ]);

    // engine-a's lease runs out (no renewal here); engine-b takes the run over on a signal and
    // re-issues the call nobody runs for it any more.
    clock.advance(2_000);
    await client.signal(run.runId, "poke", 1);
    const b = testRuntime(journal, {
      workflows: [caller],
      activities: [slow],
      leaseMs: 60_000,
      owner: "engine-b",
    });
    await b.runtime.pollRuns();
    await b.runtime.settleSteps();
    expect((await journal.getRun(run.runId))?.leaseOwner).toBe("engine-b");
    expect(calls("reissueAttempts")).toBe(1);
    const reissued = await journal.inspector.listTasks(run.runId);
    expect(reissued.map((t) => [t.status, t.attempt, t.fromHistory])).toEqual([["running", 1, undefined]]);

    // engine-a's attempt ends late: its run is not its own any more, so nothing is written.
    open();
    while (a.runtime.pool.active > 0) await a.runtime.pool.whenAnySettles();
    await a.runtime.settleSteps();
    expect(lost).toEqual(["commit"]);
    expect(stale).toEqual(["activity:slow#0@0"]);
    expect(calls("finishTask")).toBe(0);
    await b.drive();
    const after = await journal.getRun(run.runId);
    expect(after?.status).toBe("completed");
    expect(after?.result).toBe("slow-done-2"); // attempt 2, engine-b's
    expect(ran).toBe(2);
    const history = await journal.readHistory(run.runId);
    expect(history.filter((e) => e.kind === "activity_completed")).toMatchObject([{ attempts: 2 }]);
  });
});
