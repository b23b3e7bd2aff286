import { afterEach, describe, expect, it } from "vitest";
import { MemoryJournal } from "../journal/memory/index.ts";
import { createClient } from "../client/create-client.ts";
import { ledger, orderActivities, orderFlow, sampleOrder } from "../testing/test-support/order-fixture.ts";
import { createEngine, type Engine } from "./create-engine.ts";
import { createEngineEventEmitter } from "./engine-event-emitter.ts";
import { emitEvent, type EngineErrorEvent } from "./engine-events.ts";
import { engineEventNames } from "./event-catalogue.ts";

const engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.stop({ graceful: false })));
});

/** Collects unhandled rejections while `body` runs, and a little after (a rejection is reported a tick late). */
async function unhandledDuring(body: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown): void => void seen.push(reason);
  process.on("unhandledRejection", onRejection);
  try {
    await body();
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  } finally {
    process.off("unhandledRejection", onRejection);
  }
  return seen;
}

describe("guarded engine event emitter", () => {
  it("reports a throwing listener and still calls the listeners after it", () => {
    const events = createEngineEventEmitter();
    const errors: EngineErrorEvent[] = [];
    const calls: string[] = [];
    events.on("engine.error", (e) => errors.push(e));
    events.on("cache.evicted", () => {
      throw new Error("first listener broke");
    });
    events.on("cache.evicted", (e) => calls.push(e.runId));
    emitEvent(events, "cache.evicted", { runId: "r-1" });
    expect(calls).toEqual(["r-1"]);
    expect(errors.map((e) => [e.where, (e.error as Error).message])).toEqual([
      ["listener", "first listener broke"],
    ]);
  });

  it("catches an async listener's rejection and reports it as engine.error, never as an unhandled rejection", async () => {
    const events = createEngineEventEmitter();
    const errors: unknown[] = [];
    events.on("engine.error", (e) => errors.push(e.error));
    events.on("cache.evicted", async () => {
      await Promise.resolve();
      throw new Error("async listener broke");
    });
    const unhandled = await unhandledDuring(async () => {
      emitEvent(events, "cache.evicted", { runId: "r-1" });
      await new Promise<void>((resolve) => setImmediate(resolve));
    });
    expect(unhandled).toEqual([]);
    expect(errors.map((e) => (e as Error).message)).toEqual(["async listener broke"]);
  });

  it("a failing engine.error listener does not loop or throw", async () => {
    const events = createEngineEventEmitter();
    let calls = 0;
    events.on("engine.error", async () => {
      calls++;
      throw new Error("even this one");
    });
    const unhandled = await unhandledDuring(async () => {
      expect(() => emitEvent(events, "engine.error", { where: "step", error: new Error("x") })).not.toThrow();
    });
    expect(unhandled).toEqual([]);
    expect(calls).toBe(1);
  });

  it("off() and once() work with the function that was added", () => {
    const events = createEngineEventEmitter();
    const calls: string[] = [];
    const listener = (e: { runId: string }): void => void calls.push(`on:${e.runId}`);
    events.on("cache.evicted", listener);
    events.once("cache.evicted", (e) => calls.push(`once:${e.runId}`));
    emitEvent(events, "cache.evicted", { runId: "a" });
    events.off("cache.evicted", listener);
    emitEvent(events, "cache.evicted", { runId: "b" });
    expect(calls).toEqual(["on:a", "once:a"]);
    expect(events.listenerCount("cache.evicted")).toBe(0);
  });

  it("a throwing, an async-rejecting and a never-settling listener on every event cannot stall or break the engine", async () => {
    ledger.length = 0;
    const journal = new MemoryJournal();
    const engine = createEngine({
      journal,
      workflows: [orderFlow],
      activities: orderActivities,
      pollIntervalMs: 20,
      logger: false,
    });
    engines.push(engine);
    const listenerErrors: unknown[] = [];
    engine.events.on("engine.error", (e) => {
      if (e.where === "listener") listenerErrors.push(e.error);
    });
    for (const name of engineEventNames) {
      if (name === "engine.error") continue;
      engine.events.on(name, () => {
        throw new Error(`sync ${name}`);
      });
      engine.events.on(name, async () => {
        throw new Error(`async ${name}`);
      });
      engine.events.on(name, () => new Promise<never>(() => {}));
    }
    const unhandled = await unhandledDuring(async () => {
      engine.start();
      const client = createClient({ journal, pollIntervalMs: 20 });
      const run = await client.start(orderFlow, { ...sampleOrder, chargeFailures: 1 });
      await client.signal(run.runId, "fraud_review", "approved");
      expect(await run.result()).toMatchObject({ status: "shipped" });
      await engine.stop();
    });
    expect(unhandled).toEqual([]);
    expect(ledger).toEqual(["validate", "charge-failed#1", "charge:38", "ship:o-1"]);
    const messages = new Set(listenerErrors.map((error) => (error as Error).message));
    for (const name of ["run.started", "run.completed", "activity.retried", "drain.completed"])
      expect([messages.has(`sync ${name}`), messages.has(`async ${name}`)]).toEqual([true, true]);
  });
});
