import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryJournal } from "../journal/memory/index.ts";
import { activity, defineActivity, sleep, workflow } from "../workflow/index.ts";
import { createClient } from "../client/create-client.ts";
import { ErrorCode } from "../errors/error-code.ts";
import {
  ActivityAlreadyRegisteredError,
  InvalidEngineOptionError,
  WorkflowAlreadyRegisteredError,
} from "../errors/engine-errors.ts";
import { ledger, orderActivities, orderFlow, sampleOrder } from "../testing/test-support/order-fixture.ts";
import { activityContext } from "./activity-context.ts";
import { createEngine, type Engine } from "./create-engine.ts";
import type { EngineEventName } from "./engine-events.ts";

const stamp = (versionHash: string) =>
  ({ format: 1, versionHash, cursors: [], file: "test/engine.workflow.ts", line: 1 }) as const;
const engines: Engine[] = [];

beforeEach(() => {
  ledger.length = 0;
});
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.stop({ graceful: false })));
});

function startEngine(options: Parameters<typeof createEngine>[0]): Engine {
  const engine = createEngine({ pollIntervalMs: 20, ...options });
  engines.push(engine);
  engine.start();
  return engine;
}

describe("engine registration", () => {
  it("refuses untransformed workflows, duplicate names and bad options with clear errors", () => {
    const journal = new MemoryJournal();
    const raw = workflow("raw", { version: 1 }, async () => 1);
    expect(() => createEngine({ journal, workflows: [raw] })).toThrow(
      expect.objectContaining({ code: ErrorCode.WorkflowNotTransformed }),
    );
    // Another definition with the same version hash (versions side by side need distinct hashes).
    const twin = workflow.stamped(stamp(orderFlow.stamp!.versionHash))(
      "order",
      { version: 9 },
      async () => 1,
    );
    expect(() => createEngine({ journal, workflows: [orderFlow, twin] })).toThrow(
      WorkflowAlreadyRegisteredError,
    );
    const chargeTwin = defineActivity("payments.charge", async () => 0);
    expect(() =>
      createEngine({ journal, workflows: [orderFlow], activities: [...orderActivities, chargeTwin] }),
    ).toThrow(ActivityAlreadyRegisteredError);
    expect(() =>
      createEngine({ journal, workflows: [orderFlow], activities: [...orderActivities, ...orderActivities] }),
    ).not.toThrow();
    expect(() => createEngine({ journal, workflows: [orderFlow], leaseMs: 0 })).toThrow(
      InvalidEngineOptionError,
    );
    expect(() => createEngine({ journal, workflows: [orderFlow], concurrency: { activities: 1.5 } })).toThrow(
      /concurrency.activities/,
    );
    expect(() => createEngine({ journal, workflows: [orderFlow], cacheSize: -1 })).toThrow(/cacheSize/);
  });
});

describe("engine loops", () => {
  it("runs the order flow end to end on its own loops and reports every lifecycle step", async () => {
    const journal = new MemoryJournal();
    const engine = startEngine({ journal, workflows: [orderFlow], activities: orderActivities });
    const seen: EngineEventName[] = [];
    for (const name of [
      "run.started",
      "run.completed",
      "activity.scheduled",
      "activity.started",
      "activity.completed",
      "signal.received",
      "step.committed",
      "lease.acquired",
      "replay.started",
    ] as const) {
      engine.events.on(name, () => seen.push(name));
    }
    const client = createClient({ journal, pollIntervalMs: 20 });
    const run = await client.start(orderFlow, sampleOrder);
    await client.signal(run.runId, "fraud_review", "approved");
    expect(await run.result({ timeoutMs: 10_000 })).toEqual({
      status: "shipped",
      trackingId: "trk-o-1",
      chargeId: "ch-o-1",
    });
    expect(ledger).toEqual(["validate", "charge:38", "ship:o-1"]);
    expect(seen.filter((n) => n === "activity.scheduled")).toHaveLength(3);
    expect(seen.filter((n) => n === "activity.completed")).toHaveLength(3);
    expect(seen.filter((n) => n === "signal.received")).toHaveLength(1);
    expect(seen.filter((n) => n === "replay.started")).toHaveLength(1); // sticky from then on
    expect(seen[0]).toBe("lease.acquired");
    expect(seen.indexOf("run.started")).toBeLessThan(seen.indexOf("activity.scheduled"));
    expect(seen.at(-1)).toBe("run.completed");
  });

  it("fires timers on the timer loop", async () => {
    const napper = workflow.stamped(stamp("nap"))("nap", { version: 1 }, async (ms: number) => {
      await sleep.at("sleep:#0")(ms);
      return "awake";
    });
    const journal = new MemoryJournal();
    const engine = startEngine({ journal, workflows: [napper] });
    const fired: string[] = [];
    engine.events.on("timer.fired", (e) => fired.push(e.identity));
    const client = createClient({ journal, pollIntervalMs: 20 });
    const run = await client.start(napper, 50);
    expect(await run.result({ timeoutMs: 10_000 })).toBe("awake");
    expect(fired).toEqual(["sleep:#0@0"]);
  });

  it("a throwing event listener is reported as engine.error and the run still completes", async () => {
    const journal = new MemoryJournal();
    const engine = startEngine({ journal, workflows: [orderFlow], activities: orderActivities });
    const errors: string[] = [];
    engine.events.on("engine.error", (e) => errors.push(e.where));
    engine.events.on("activity.completed", () => {
      throw new Error("buggy listener");
    });
    const client = createClient({ journal, pollIntervalMs: 20 });
    const run = await client.start(orderFlow, sampleOrder);
    await client.signal(run.runId, "fraud_review", "rejected");
    expect(await run.result({ timeoutMs: 10_000 })).toEqual({ status: "refunded", reason: "fraud_rejected" });
    expect(errors.length).toBeGreaterThan(0);
    expect(new Set(errors)).toEqual(new Set(["listener"]));
  });

  it("graceful stop waits for the running activity, reports its result, and gives every lease back", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = defineActivity("slow", async () => {
      await gate;
      return "done";
    });
    const caller = workflow.stamped(stamp("caller"))("caller", { version: 1 }, async () =>
      activity.at("activity:slow#0")(slow),
    );
    const journal = new MemoryJournal();
    const engine = startEngine({ journal, workflows: [caller], activities: [slow] });
    const started = new Promise<void>((resolve) => engine.events.once("activity.started", () => resolve()));
    const completed: string[] = [];
    engine.events.on("activity.completed", (e) => completed.push(e.activityName));
    const client = createClient({ journal });
    const run = await client.start(caller, undefined);
    await started;
    expect((await journal.getRun(run.runId))?.leaseOwner).toBe(engine.owner); // cached, lease held

    const stopping = engine.stop({ graceful: true, timeoutMs: 5_000 });
    setTimeout(release, 30);
    await stopping;
    expect(completed).toEqual(["slow"]);
    const after = await journal.getRun(run.runId);
    expect(after?.leaseOwner).toBeUndefined();
    // Sticky fast path: the result went straight to the cached execution, whose step committed
    // it (and ended the run) before the lease was given back.
    expect(after?.status).toBe("completed");

    const next = startEngine({ journal, workflows: [caller], activities: [slow] });
    expect(next.running).toBe(true);
    expect(await client.result(run.runId, { timeoutMs: 10_000 })).toBe("done");
  });

  it("an engine can be started again after a stop and keeps executions sticky", async () => {
    const journal = new MemoryJournal();
    const engine = startEngine({ journal, workflows: [orderFlow], activities: orderActivities });
    const client = createClient({ journal, pollIntervalMs: 20 });
    const first = await client.start(orderFlow, sampleOrder);
    await client.signal(first.runId, "fraud_review", "approved");
    await first.result({ timeoutMs: 10_000 });
    await engine.stop();
    const cachedSteps: boolean[] = [];
    engine.events.on("step.committed", (e) => cachedSteps.push(e.cached));
    engine.start();
    const second = await client.start(orderFlow, { ...sampleOrder, orderId: "o-2" });
    await client.signal(second.runId, "fraud_review", "approved");
    expect(await second.result({ timeoutMs: 10_000 })).toMatchObject({
      status: "shipped",
      trackingId: "trk-o-2",
    });
    expect(cachedSteps[0]).toBe(false);
    expect(cachedSteps.slice(1).every(Boolean)).toBe(true);
    expect(cachedSteps.length).toBeGreaterThan(2);
  });

  it("a hard stop aborts running activities at once", async () => {
    let signal: AbortSignal | undefined;
    const stuck = defineActivity("stuck", async () => {
      signal = activityContext().signal;
      await new Promise(() => {});
    });
    const caller = workflow.stamped(stamp("caller2"))("caller2", { version: 1 }, async () =>
      activity.at("activity:stuck#0")(stuck),
    );
    const journal = new MemoryJournal();
    const engine = startEngine({ journal, workflows: [caller], activities: [stuck] });
    const started = new Promise<void>((resolve) => engine.events.once("activity.started", () => resolve()));
    await createClient({ journal }).start(caller, undefined);
    await started;
    await engine.stop({ graceful: false });
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toMatchObject({ code: ErrorCode.EngineStopped });
    expect(engine.running).toBe(false);
  });

  it("notifier hints and due times pace the loops: a run with a retry and a sleep finishes long before the first poll", async () => {
    let calls = 0;
    const flaky = defineActivity(
      "flaky",
      async () => {
        calls++;
        if (calls === 1) throw new Error("first call fails");
        return calls;
      },
      { retry: { initialIntervalMs: 30 } },
    );
    const paced = workflow.stamped(stamp("paced"))("paced", { version: 1 }, async () => {
      const n = await activity.at("activity:flaky#0")(flaky);
      await sleep.at("sleep:#0")(40);
      return n;
    });
    const journal = new MemoryJournal();
    // Nobody polls (hour-long intervals): the retry and the sleep must wake the engine themselves,
    // or the result never comes and the runner's timeout reports the hang.
    startEngine({ journal, workflows: [paced], activities: [flaky], pollIntervalMs: 3_600_000 });
    const client = createClient({ journal, pollIntervalMs: 3_600_000 });
    const run = await client.start(paced, undefined);
    expect(await run.result()).toBe(2);
  });

  it("two engines on one journal share the work: every run completes and each effect runs once", async () => {
    const done = new Map<string, number>();
    const mark = defineActivity("mark", async (key: string) => {
      done.set(key, (done.get(key) ?? 0) + 1);
      return key;
    });
    const twoStep = workflow.stamped(stamp("two-step"))("two-step", { version: 1 }, async (id: number) => {
      await activity.at("activity:mark#0")(mark, `${id}:a`);
      await sleep.at("sleep:#0")(5);
      return activity.at("activity:mark#1")(mark, `${id}:b`);
    });
    const journal = new MemoryJournal();
    const a = startEngine({
      journal,
      workflows: [twoStep],
      activities: [mark],
      owner: "a",
      concurrency: { workflows: 2, activities: 2 },
    });
    const b = startEngine({
      journal,
      workflows: [twoStep],
      activities: [mark],
      owner: "b",
      concurrency: { workflows: 2, activities: 2 },
    });
    const workedBy = new Set<string>();
    a.events.on("step.committed", () => workedBy.add("a"));
    b.events.on("step.committed", () => workedBy.add("b"));
    const client = createClient({ journal, pollIntervalMs: 20 });
    const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => client.start(twoStep, i)));
    const results = await Promise.all(runs.map((run) => run.result({ timeoutMs: 20_000 })));
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => `${i}:b`));
    expect(done.size).toBe(40);
    expect([...done.values()].every((count) => count === 1)).toBe(true);
    expect(workedBy).toEqual(new Set(["a", "b"]));
  });

  it("keeps going through journal outages: the failures are reported as engine.error and the run completes", async () => {
    const memory = new MemoryJournal();
    let failuresLeft = 5;
    const flaky = new Proxy(memory, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if ((property === "claimRuns" || property === "claimTasks") && failuresLeft > 0) {
            failuresLeft--;
            return Promise.reject(new Error("connection reset"));
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const engine = startEngine({ journal: flaky, workflows: [orderFlow], activities: orderActivities });
    const where = new Set<string>();
    engine.events.on("engine.error", (e) => where.add(e.where));
    const client = createClient({ journal: memory, pollIntervalMs: 20 });
    const run = await client.start(orderFlow, sampleOrder);
    await client.signal(run.runId, "fraud_review", "approved");
    expect(await run.result({ timeoutMs: 10_000 })).toMatchObject({ status: "shipped" });
    expect(failuresLeft).toBe(0);
    expect([...where].every((w) => w === "workflow_loop" || w === "activity_loop")).toBe(true);
    expect(where.size).toBeGreaterThan(0);
  });
});
