import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import type { Journal } from "../journal/journal.ts";
import { MemoryJournal } from "../journal/memory/index.ts";
import { openJournal } from "../journal/open-journal.ts";
import { createServerDatabase, type ServerDatabase } from "../journal/sql/test-support/sql-test-databases.ts";
import { activity, defineActivity, signal, workflow } from "../workflow/index.ts";
import { createEngine, type Engine } from "./create-engine.ts";
import { instrumented, testRuntime } from "./test-support/drive-runtime.ts";

const file = "packages/core/src/worker/sticky-fast-path.test.ts";
const stamp = (versionHash: string, line: number) =>
  ({ format: 1, versionHash, cursors: [], file, line }) as const;

const effects = new Map<string, number>();
const touch = defineActivity("sticky.touch", async (key: string) => {
  effects.set(key, (effects.get(key) ?? 0) + 1);
  return key.toUpperCase();
});
const threeSteps = workflow.stamped(stamp("sticky-three", 18))(
  "sticky.three",
  { version: 1 },
  async (id: string) => {
    const a = await activity.at("activity:touch#0")(touch, `${id}-a`);
    const b = await activity.at("activity:touch#1")(touch, `${id}-b`);
    const c = await activity.at("activity:touch#2")(touch, `${id}-c`);
    return `${a}/${b}/${c}`;
  },
);

describe("sticky fast path (memory journal, runtime driven by hand)", () => {
  it("runs each activity step as one commit: no task claim, no finishTask, no run claim between steps", async () => {
    effects.clear();
    const { journal, calls } = instrumented(new MemoryJournal());
    const { runtime, drive } = testRuntime(journal, { workflows: [threeSteps], activities: [touch] });
    const committed: number[] = [];
    runtime.events.on("step.committed", (e) => committed.push(e.lastSeq));
    const run = await createClient({ journal }).start(threeSteps, "o1");
    await drive();
    expect((await journal.getRun(run.runId))?.result).toBe("O1-A/O1-B/O1-C");
    expect([...effects.values()]).toEqual([1, 1, 1]);
    expect(calls("finishTask")).toBe(0);
    expect(calls("commitStep")).toBe(4); // the first step, then one per activity
    expect(committed).toHaveLength(4);
    const history = await journal.readHistory(run.runId);
    expect(
      history
        .filter((e) => e.kind === "activity_completed")
        .map((e) => (e.kind === "activity_completed" ? e.attempts : 0)),
    ).toEqual([1, 1, 1]);
  });

  it("attempts claimed from the journal (a fan-out wider than the free slots) finish through the run's steps too", async () => {
    effects.clear();
    const wide = workflow.stamped(stamp("sticky-wide", 53))("sticky.wide", { version: 1 }, async () => {
      const values = await Promise.all(
        Array.from({ length: 12 }, (_, i) => activity.at("activity:touch#0")(touch, `w${i}`)),
      );
      return values.join(",");
    });
    const { journal, calls } = instrumented(new MemoryJournal());
    const { drive } = testRuntime(journal, {
      workflows: [wide],
      activities: [touch],
      activityConcurrency: 3,
    });
    const run = await createClient({ journal }).start(wide, undefined);
    await drive();
    expect((await journal.getRun(run.runId))?.result).toBe(
      Array.from({ length: 12 }, (_, i) => `W${i}`).join(","),
    );
    expect([...effects.values()]).toEqual(Array.from({ length: 12 }, () => 1));
    // 3 attempts were created claimed by the first step; the other 9 were claimed from the journal.
    expect(calls("claimTasks")).toBeGreaterThan(0);
    expect(calls("finishTask")).toBe(0);
    const history = await journal.readHistory(run.runId);
    expect(history.filter((e) => e.kind === "activity_completed")).toHaveLength(12);
    const tasks = await journal.inspector.listTasks(run.runId);
    expect(tasks.map((t) => t.status)).toEqual(Array.from({ length: 12 }, () => "completed"));
  });

  it("claimed attempts of a run whose local step met a non-empty inbox report with finishTask", async () => {
    effects.clear();
    const wide = workflow.stamped(stamp("sticky-contended", 90))(
      "sticky.contended",
      { version: 1 },
      async () => {
        const values = await Promise.all(
          Array.from({ length: 12 }, (_, i) => activity.at("activity:touch#0")(touch, `m${i}`)),
        );
        return values.length;
      },
    );
    let commits = 0;
    let runId = "";
    const memory = new MemoryJournal();
    // Before the first local step (the second commit), another deliverer's item lands in the inbox.
    const { journal, calls } = instrumented(memory, {
      beforeCommit: async () => {
        if (++commits === 2) await memory.sendSignal({ runId, name: "elsewhere", payload: 1 });
      },
    });
    const { drive } = testRuntime(journal, {
      workflows: [wide],
      activities: [touch],
      activityConcurrency: 3,
    });
    const run = await createClient({ journal }).start(wide, undefined);
    runId = run.runId;
    await drive();
    expect((await journal.getRun(run.runId))?.result).toBe(12);
    expect([...effects.values()]).toEqual(Array.from({ length: 12 }, () => 1));
    // The refused step's 3 results, then all 9 attempts claimed later: none stepped locally
    // (without the mark, the run is claimed again, cached, and its later results go locally).
    expect(calls("finishTask")).toBe(12);
  });

  it("a claimed attempt with a heartbeat timeout reports with finishTask (a busy run's step could outlast its deadline)", async () => {
    effects.clear();
    const beating = defineActivity(
      "sticky.beating",
      async (key: string) => {
        effects.set(key, (effects.get(key) ?? 0) + 1);
        return key;
      },
      { heartbeatTimeoutMs: 60_000 },
    );
    const mixed = workflow.stamped(stamp("sticky-mixed", 120))("sticky.mixed", { version: 1 }, async () => {
      const values = await Promise.all([
        ...Array.from({ length: 6 }, (_, i) => activity.at("activity:touch#0")(touch, `t${i}`)),
        ...Array.from({ length: 4 }, (_, i) => activity.at("activity:beating#0")(beating, `b${i}`)),
      ]);
      return values.length;
    });
    const { journal, calls } = instrumented(new MemoryJournal());
    const { drive } = testRuntime(journal, {
      workflows: [mixed],
      activities: [touch, beating],
      activityConcurrency: 3,
    });
    const run = await createClient({ journal }).start(mixed, undefined);
    await drive();
    expect((await journal.getRun(run.runId))?.result).toBe(10);
    expect([...effects.values()]).toEqual(Array.from({ length: 10 }, () => 1));
    expect(calls("finishTask")).toBe(4); // the plain ones went through the run's steps
  });

  it("without stickyActivities every task goes through the queue (finishTask per attempt)", async () => {
    const { journal, calls } = instrumented(new MemoryJournal());
    const { drive } = testRuntime(journal, {
      workflows: [threeSteps],
      activities: [touch],
      stickyActivities: false,
    });
    const run = await createClient({ journal }).start(threeSteps, "o2");
    await drive();
    expect((await journal.getRun(run.runId))?.result).toBe("O2-A/O2-B/O2-C");
    expect(calls("finishTask")).toBe(3);
  });

  it("a signal that arrives while the attempt runs: the fast step is refused, and one claimed step delivers both", async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const gated = defineActivity("sticky.gated", async () => {
      await gate;
      return "paid";
    });
    const flow = workflow.stamped(stamp("sticky-signal", 100))("sticky.signal", { version: 1 }, async () => {
      const paid = await activity.at("activity:gated#0")(gated);
      const note = await signal.at("signal:note#0")<string>("note");
      return `${paid}/${note}`;
    });
    const { journal, calls } = instrumented(new MemoryJournal());
    const { runtime, counts, drive } = testRuntime(journal, { workflows: [flow], activities: [gated] });
    const client = createClient({ journal });
    const run = await client.start(flow, undefined);
    await runtime.pollRuns();
    await runtime.settleSteps();
    expect(runtime.pool.active).toBe(1);
    await client.signal(run.runId, "note", "hi");
    open();
    while (runtime.pool.active > 0) await runtime.pool.whenAnySettles();
    await drive();
    expect((await journal.getRun(run.runId))?.result).toBe("paid/hi");
    expect(calls("finishTask")).toBe(1); // the refused fast step fell back
    expect(counts.replays).toBe(2); // the execution that stepped ahead was dropped and rebuilt
  });
});

describe("sticky fast path on PostgreSQL", () => {
  let database: ServerDatabase;
  const journals: Journal[] = [];
  const engines: Engine[] = [];
  beforeAll(async () => {
    database = await createServerDatabase("sticky");
  });
  afterAll(async () => {
    await Promise.all(engines.map((engine) => engine.stop({ graceful: false })));
    await Promise.all(journals.map((journal) => journal.close()));
    await database.drop();
  });
  const open = async (migrate = false): Promise<Journal> => {
    const journal = await openJournal({ url: database.url, migrate });
    journals.push(journal);
    return journal;
  };

  it("two engines complete every run exactly once, each activity effect once", async () => {
    effects.clear();
    const clientJournal = await open(true);
    for (const owner of ["sticky-a", "sticky-b"]) {
      const engine = createEngine({
        journal: await open(),
        workflows: [threeSteps],
        activities: [touch],
        owner,
        pollIntervalMs: 100,
        concurrency: { workflows: 8, activities: 8 },
      });
      engines.push(engine);
      engine.start();
    }
    const client = createClient({ journal: clientJournal, pollIntervalMs: 20 });
    const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => client.start(threeSteps, `r${i}`)));
    const results = await Promise.all(runs.map((run) => run.result({ timeoutMs: 20_000 })));
    expect(results).toEqual(runs.map((_, i) => `R${i}-A/R${i}-B/R${i}-C`));
    expect(effects.size).toBe(60);
    expect([...effects.values()].every((n) => n === 1)).toBe(true);
    for (const run of runs) {
      const history = await clientJournal.readHistory(run.runId);
      expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
      expect(history.filter((e) => e.kind === "activity_completed")).toHaveLength(3);
    }
    await Promise.all(engines.splice(0).map((engine) => engine.stop({ graceful: true, timeoutMs: 5_000 })));
    // Each journal holds a pool: closed now, not in afterAll, so that this file's connections
    // stay few while other test files use the same server.
    await Promise.all(journals.splice(0).map((journal) => journal.close()));
  });

  it("a fan-out wider than both engines' slots: every result once, whichever engine ran it and however it reported", async () => {
    effects.clear();
    const wide = workflow.stamped(stamp("sticky-two-engines", 197))(
      "sticky.twoEngines",
      { version: 1 },
      async () => {
        const values = await Promise.all(
          Array.from({ length: 60 }, (_, i) => activity.at("activity:touch#0")(touch, `e${i}`)),
        );
        return values.join(",");
      },
    );
    const clientJournal = await open();
    const local: number[] = [];
    for (const owner of ["wide-a", "wide-b"]) {
      const engine = createEngine({
        journal: await open(),
        workflows: [wide],
        activities: [touch],
        owner,
        pollIntervalMs: 50,
        concurrency: { workflows: 4, activities: 4 },
      });
      engine.events.on("step.committed", (e) => {
        if (e.cached) local.push(e.eventCount);
      });
      engines.push(engine);
      engine.start();
    }
    const client = createClient({ journal: clientJournal, pollIntervalMs: 20 });
    const runs = await Promise.all([client.start(wide, undefined), client.start(wide, undefined)]);
    const expected = Array.from({ length: 60 }, (_, i) => `E${i}`).join(",");
    for (const run of runs) expect(await run.result({ timeoutMs: 60_000 })).toBe(expected);
    // Each of the 60 calls ran once per run (two runs): no result lost, none delivered twice.
    expect([...effects.values()]).toEqual(Array.from({ length: 60 }, () => 2));
    expect(local.length).toBeGreaterThan(0); // some results did go through a cached run's step
    for (const run of runs) {
      const history = await clientJournal.readHistory(run.runId);
      expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
      expect(history.filter((e) => e.kind === "activity_completed")).toHaveLength(60);
    }
    await Promise.all(engines.splice(0).map((engine) => engine.stop({ graceful: true, timeoutMs: 5_000 })));
    // Each journal holds a pool: closed now, not in afterAll, so that this file's connections
    // stay few while other test files use the same server.
    await Promise.all(journals.splice(0).map((journal) => journal.close()));
  });

  it("a fan-out of 100 activities completing in a burst is delivered in a few batched steps", async () => {
    let release: () => void = () => {};
    const burst = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    let check: () => void = () => {};
    const allStarted = new Promise<void>((resolve) => {
      check = resolve;
    });
    const part = defineActivity("sticky.part", async (i: number) => {
      started++;
      if (started === 100) check();
      await burst;
      return i * 2;
    });
    const fanOut = workflow.stamped(stamp("sticky-fan", 138))("sticky.fan", { version: 1 }, async () => {
      const values = await Promise.all(
        Array.from({ length: 100 }, (_, i) => activity.at("activity:part#0")(part, i)),
      );
      return values.reduce((sum, v) => sum + v, 0);
    });
    const clientJournal = await open();
    const engine = createEngine({
      journal: await open(),
      workflows: [fanOut],
      activities: [part],
      owner: "sticky-fan",
      pollIntervalMs: 100,
      concurrency: { workflows: 4, activities: 100 },
    });
    engines.push(engine);
    const commits: number[] = [];
    engine.events.on("step.committed", (e) => commits.push(e.eventCount));
    // The client can read the result before the engine emits its own commit events, so the
    // step count is taken once the engine itself has seen the run complete.
    const completedByEngine = new Promise<void>((resolve) =>
      engine.events.on("run.completed", () => resolve()),
    );
    engine.start();
    const client = createClient({ journal: clientJournal, pollIntervalMs: 20 });
    const run = await client.start(fanOut, undefined);
    await allStarted;
    const stepsBefore = commits.length;
    release();
    expect(await run.result({ timeoutMs: 20_000 })).toBe(9_900);
    await completedByEngine;
    const history = await clientJournal.readHistory(run.runId);
    expect(history.filter((e) => e.kind === "activity_completed")).toHaveLength(100);
    const burstSteps = commits.length - stepsBefore;
    expect(burstSteps).toBeGreaterThanOrEqual(1);
    expect(burstSteps).toBeLessThanOrEqual(10); // batched: not one step per result
    expect(started).toBe(100);
  });
});
