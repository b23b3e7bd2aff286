import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import type { Journal, StartRunRequest } from "../journal/journal.ts";
import { MemoryJournal } from "../journal/memory/index.ts";
import { openJournal } from "../journal/open-journal.ts";
import { createServerDatabase, type ServerDatabase } from "../journal/sql/test-support/sql-test-databases.ts";
import { activity, defineActivity, sideEffect, sleep, workflow } from "../workflow/index.ts";
import { createEngine, type Engine } from "./create-engine.ts";
import type { EngineEvents } from "./engine-events.ts";
import { instrumented } from "./test-support/drive-runtime.ts";
import { workflowInfo } from "./definition-info.ts";

// A client bound to an engine of its process inserts a fresh run together with its first step
// (StartRunRequest.firstStep): the engine computes the step before the run exists.

const file = "packages/core/src/worker/first-step-start.test.ts";
const stamp = (versionHash: string, line: number) =>
  ({ format: 1, versionHash, cursors: [], file, line }) as const;

const shout = defineActivity("first.shout", async (text: string) => text.toUpperCase());
const twoSteps = workflow.stamped(stamp("first-two", 20))(
  "first.two",
  { version: 1 },
  async (text: string) => {
    const a = await activity.at("activity:shout#0")(shout, `${text}-a`);
    const b = await activity.at("activity:shout#1")(shout, `${text}-b`);
    return `${a}/${b}`;
  },
);
const napThenShout = workflow.stamped(stamp("first-nap", 25))(
  "first.nap",
  { version: 1 },
  async (text: string) => {
    await sleep.at("sleep:nap#0")(20);
    return activity.at("activity:shout#0")(shout, text);
  },
);

const refuses = workflow.stamped(stamp("first-refuses", 29))(
  "first.refuses",
  { version: 1 },
  async (n: number) => {
    if (n > 0) throw new Error(`no stock for ${n}`);
    return "never";
  },
);

let sideEffects = 0;
/** A helper the workflow calls: its sideEffect is not among the workflow body's stamped cursors. */
const countOnce = () => sideEffect.at("sideEffect:#0")(async () => (sideEffects += 1));
const withSideEffect = workflow.stamped(stamp("first-side", 37))("first.side", { version: 1 }, async () =>
  countOnce(),
);

const engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.stop({ graceful: true, timeoutMs: 2_000 })));
});

/**
 * The journal with counted calls and every start request it was asked for. The first
 * `refuseFirstSteps` starts with a first step are refused before they reach the journal, the
 * next `loseFirstSteps` ones after it committed them (an acknowledgement lost on the way back).
 */
function watched(inner: Journal, refuseFirstSteps = 0, loseFirstSteps = 0) {
  const starts: StartRunRequest[] = [];
  let refusals = refuseFirstSteps;
  let losses = loseFirstSteps;
  const original = inner.startRun.bind(inner);
  const counted = instrumented(inner);
  const journal = new Proxy(counted.journal, {
    get(target, property, receiver) {
      if (property !== "startRun") return Reflect.get(target, property, receiver);
      return async (request: StartRunRequest) => {
        starts.push(request);
        if (request.firstStep !== undefined && refusals > 0) {
          refusals -= 1;
          throw new Error("refused by the test");
        }
        const result = await original(request);
        if (request.firstStep !== undefined && losses > 0) {
          losses -= 1;
          throw new Error("connection lost after the commit (the test)");
        }
        return result;
      };
    },
  });
  return { journal, calls: counted.calls, starts };
}

/** Engine events of the kinds that announce a run, in order. */
function announcements(engine: Engine) {
  const seen: string[] = [];
  const kinds = ["run.started", "lease.acquired", "replay.started", "replay.completed"] as const;
  for (const kind of kinds)
    engine.events.on(kind, (event: EngineEvents[typeof kind][0]) => seen.push(`${kind} ${event.runId}`));
  return seen;
}

async function engineAndClient(journal: Journal, leaseMs?: number) {
  const workflows = [twoSteps, napThenShout, refuses, withSideEffect];
  const engine = createEngine({
    journal,
    workflows,
    activities: [shout],
    pollIntervalMs: 50,
    ...(leaseMs === undefined ? {} : { leaseMs }),
  });
  engines.push(engine);
  engine.start();
  return { engine, client: createClient({ journal, engine, pollIntervalMs: 20 }) };
}

function cases(name: string, open: () => Promise<Journal>) {
  describe(`start with its first step (${name})`, () => {
    it("inserts each run with its first step once the engine knows the journal's time: one commit fewer per run, same history, announced once", async () => {
      const { journal, calls, starts } = watched(await open());
      const { engine, client } = await engineAndClient(journal);
      const seen = announcements(engine);
      // The engine has read no journal time yet: the first start is the ordinary eager one.
      const first = await client.start(twoSteps, "one");
      expect(await first.result()).toBe("ONE-A/ONE-B");
      expect(starts.map((s) => s.firstStep !== undefined)).toEqual([false]);
      const commitsBefore = calls("commitStep");
      expect(commitsBefore).toBe(3);

      const runs = [];
      for (const text of ["two", "three", "four"]) runs.push(await client.start(twoSteps, text));
      expect(await Promise.all(runs.map((run) => run.result()))).toEqual([
        "TWO-A/TWO-B",
        "THREE-A/THREE-B",
        "FOUR-A/FOUR-B",
      ]);
      expect(starts.slice(1).map((s) => [s.runId, s.firstStep?.lastSeq])).toEqual(
        runs.map((run) => [run.runId, 1]),
      );
      // Two commits per run after the insert (three for the first, ordinary start).
      expect(calls("commitStep") - commitsBefore).toBe(2 * runs.length);
      expect(calls("readHistory")).toBe(0);
      expect(calls("claimRuns")).toBeGreaterThan(0);
      for (const run of [first, ...runs]) {
        expect((await journal.readHistory(run.runId)).map((e) => [e.seq, e.kind])).toEqual([
          [1, "run_started"],
          [2, "activity_scheduled"],
          [3, "activity_completed"],
          [4, "activity_scheduled"],
          [5, "activity_completed"],
          [6, "run_completed"],
        ]);
        // Each run announced once: its lease, its (one-event) replay, its start.
        expect(seen.filter((line) => line.endsWith(run.runId))).toEqual([
          `lease.acquired ${run.runId}`,
          `replay.started ${run.runId}`,
          `replay.completed ${run.runId}`,
          `run.started ${run.runId}`,
        ]);
      }
    });

    it("a first step that sets a timer, and one that ends the run", async () => {
      const { journal, starts } = watched(await open());
      const { client } = await engineAndClient(journal);
      await (await client.start(twoSteps, "warm")).result();
      const napping = await client.start(napThenShout, "late");
      expect(starts.at(-1)?.firstStep?.timers).toHaveLength(1);
      expect(await napping.result()).toBe("LATE");
      expect((await journal.readHistory(napping.runId)).map((e) => e.kind)).toEqual([
        "run_started",
        "timer_started",
        "timer_fired",
        "activity_scheduled",
        "activity_completed",
        "run_completed",
      ]);
      const failing = await client.start(refuses, 3);
      expect(starts.at(-1)?.firstStep?.run.status).toBe("failed");
      await expect(failing.result()).rejects.toThrow("no stock for 3");
      expect((await journal.readHistory(failing.runId)).map((e) => e.kind)).toEqual([
        "run_started",
        "run_failed",
      ]);
      expect((await journal.getRun(failing.runId))?.status).toBe("failed");
    });

    it("an insert the journal refuses starts the run the ordinary way: one run, completed once", async () => {
      const { journal, starts } = watched(await open(), 1);
      const { client } = await engineAndClient(journal);
      await (await client.start(twoSteps, "warm")).result();
      const before = (await journal.listRuns({ workflowName: "first.two" })).runs.length;
      const run = await client.start(twoSteps, "again");
      expect(await run.result()).toBe("AGAIN-A/AGAIN-B");
      const tried = starts.slice(1).map((s) => s.firstStep !== undefined);
      expect(tried).toEqual([true, false]);
      expect(starts[2]?.runId).toBe(starts[1]?.runId);
      const all = (await journal.listRuns({ workflowName: "first.two" })).runs;
      expect(all).toHaveLength(before + 1);
      expect(all.find((r) => r.runId === run.runId)?.status).toBe("completed");
    });

    it("a start whose insert committed but whose acknowledgement was lost resolves with that run, which completes once", async () => {
      // A short lease: the attempt the lost insert created claimed is retried after it.
      const { journal, starts } = watched(await open(), 0, 2);
      const { client } = await engineAndClient(journal, 1_000);
      await (await client.start(twoSteps, "warm")).result();
      const before = (await journal.listRuns({ workflowName: "first.two" })).runs.length;
      const run = await client.start(twoSteps, "lost");
      expect(run.runId).toBe(starts[1]?.runId);
      expect(run.created).toBe(true);
      expect(await run.result()).toBe("LOST-A/LOST-B");
      expect((await journal.listRuns({ workflowName: "first.two" })).runs).toHaveLength(before + 1);
      const kinds = (await journal.readHistory(run.runId)).map((e) => e.kind);
      expect(kinds.filter((kind) => kind === "activity_scheduled")).toHaveLength(2);
      expect(kinds.at(-1)).toBe("run_completed");
      // A first step that ended the run: its run is no longer leased, and still ours.
      const failing = await client.start(refuses, 5);
      expect(failing.runId).toBe(starts.at(-2)?.runId);
      await expect(failing.result()).rejects.toThrow("no stock for 5");
      expect((await journal.readHistory(failing.runId)).map((e) => e.kind)).toEqual([
        "run_started",
        "run_failed",
      ]);
    });

    it("a first step that calls sideEffect (here from a helper, not in the stamp) is not taken along: the run is started the ordinary way and the side effect runs once, after the insert", async () => {
      const { journal, starts } = watched(await open());
      const { client } = await engineAndClient(journal);
      await (await client.start(twoSteps, "warm")).result();
      const count = sideEffects;
      const run = await client.start(withSideEffect, undefined);
      // No insert with the step was even tried: the step failed before its commit.
      expect(starts.at(-1)?.firstStep).toBeUndefined();
      expect(starts.at(-2)?.firstStep).toBeUndefined();
      expect(starts.at(-1)?.lease).toBeDefined();
      expect(starts.at(-1)?.runId).toBe(run.runId);
      expect(await run.result()).toBe(count + 1);
      expect(sideEffects).toBe(count + 1);
    });

    it("a stopped engine starts the run for any engine to claim", async () => {
      const { journal, starts } = watched(await open());
      const { engine, client } = await engineAndClient(journal);
      await (await client.start(twoSteps, "warm")).result();
      const lease = engine.eagerLease("default", "first.two", workflowInfo(twoSteps).versionHash);
      expect(lease).toBeDefined();
      await engine.stop({ graceful: true });
      const started = await engine.startWithFirstStep!(
        {
          namespace: "default",
          workflowName: "first.two",
          versionHash: workflowInfo(twoSteps).versionHash,
          input: "x",
          lease: lease!,
        },
        (request) => journal.startRun(request),
      );
      expect(starts.at(-1)?.firstStep).toBeUndefined();
      // Given back at once (not held until the eager lease runs out), not stepped.
      let run = await journal.getRun(started.run.runId);
      while (run?.leaseOwner !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        run = await journal.getRun(started.run.runId);
      }
      expect(run?.lastSeq).toBe(1);
    });
  });
}

cases("memory journal", async () => new MemoryJournal());

let database: ServerDatabase | undefined;
const journals: Journal[] = [];
beforeAll(async () => {
  database = await createServerDatabase("first_step");
});
afterAll(async () => {
  await Promise.all(journals.map((journal) => journal.close()));
  await database?.drop();
});
cases("PostgreSQL", async () => {
  const journal = await openJournal({ url: database!.url, migrate: journals.length === 0 });
  journals.push(journal);
  return journal;
});
