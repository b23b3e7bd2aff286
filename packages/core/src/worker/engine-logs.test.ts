import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Journal } from "../journal/journal.ts";
import { MemoryJournal } from "../journal/memory/index.ts";
import { openJournal } from "../journal/open-journal.ts";
import { createClient } from "../client/create-client.ts";
import { activity, defineActivity, workflow } from "../workflow/index.ts";
import { captureLogger, type CapturedLog } from "../logging/capture-logger.ts";
import { createConsoleLogger } from "../logging/console-logger.ts";
import { orderActivities, orderFlow, sampleOrder } from "../testing/test-support/order-fixture.ts";
import { createEngine, type Engine, type EngineOptions } from "./create-engine.ts";

// What a real engine (its own loops) logs: a failed run, a database outage, an unserved workflow.

const stamp = (versionHash: string) =>
  ({ format: 1, versionHash, cursors: [], file: "test/engine-logs.workflow.ts", line: 1 }) as const;
const engines: Engine[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.stop({ graceful: false })));
  for (const close of closers.splice(0)) await close();
});

function startEngine(options: EngineOptions): Engine {
  const engine = createEngine({ pollIntervalMs: 10, ...options });
  engines.push(engine);
  engine.start();
  return engine;
}

/** Polls `check` on the event loop until it holds (the test's own timeout is the only limit). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise<void>((resolve) => setTimeout(resolve, 5));
}

/** A journal whose calls fail, as a database that refuses connections does, while `down` is set. */
function flakyJournal(inner: Journal): { journal: Journal; down: { value: boolean } } {
  const down = { value: false };
  const journal = new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || property === "notifier") return value;
      return (...args: unknown[]) => {
        if (down.value)
          return Promise.reject(
            Object.assign(new Error("connect ECONNREFUSED postgres://app:hunter2@db.internal:5432/orders"), {
              code: "ECONNREFUSED",
            }),
          );
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { journal, down };
}

describe("engine logs", () => {
  it("a failed run prints exactly one error line, as JSON with its code and fix", async () => {
    const broken = defineActivity(
      "psp.charge",
      async (): Promise<string> => {
        throw new Error("psp down");
      },
      { retry: { maxAttempts: 2, initialIntervalMs: 1 } },
    );
    const pay = workflow.stamped(stamp("pay"))("pay", { version: 1 }, async () => {
      return await activity.at("activity:psp.charge#0")(broken);
    });
    const journal = new MemoryJournal();
    const lines: string[] = [];
    startEngine({
      journal,
      workflows: [pay],
      activities: [broken],
      logLevel: "warn",
      logger: createConsoleLogger({ format: "json", stream: { write: (line) => void lines.push(line) } }),
    });
    const client = createClient({ journal, pollIntervalMs: 10 });
    const run = await client.start(pay, undefined);
    await expect(run.result()).rejects.toThrow();
    const record = await journal.getRun(run.runId);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const errors = parsed.filter((line) => line["level"] === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      event: "run.failed",
      runId: run.runId,
      workflowName: "pay",
      code: record?.error?.code,
    });
    expect(typeof errors[0]?.["fix"]).toBe("string");
    expect(String(errors[0]?.["msg"])).toContain(`fix: ${String(errors[0]?.["fix"])}`);
    expect(parsed.filter((line) => line["level"] === "warn").map((line) => line["event"])).toEqual([
      "activity.failed",
    ]);
    expect(lines.every((line) => line.endsWith("\n") && !line.slice(0, -1).includes("\n"))).toBe(true);
  });

  it("a real engine reports its start, registrations, polls, lease rounds and drain", async () => {
    const journal = new MemoryJournal();
    const engine = createEngine({
      journal,
      workflows: [orderFlow],
      activities: orderActivities,
      pollIntervalMs: 10,
      leaseMs: 300,
      logger: false,
    });
    const seen: string[] = [];
    for (const name of [
      "engine.started",
      "registry.registered",
      "dispatcher.polled",
      "lease.renewed",
      "drain.started",
      "drain.completed",
    ] as const)
      engine.events.on(name, () => seen.push(name));
    let renewed = 0;
    engine.events.on("lease.renewed", (e) => (renewed += e.runs));
    const polled = new Set<string>();
    engine.events.on("dispatcher.polled", (e) => polled.add(e.queue));
    engine.start();
    const client = createClient({ journal, pollIntervalMs: 10 });
    const run = await client.start(orderFlow, sampleOrder);
    // The run waits for its review, cached: its lease is renewed every third of leaseMs.
    await until(() => renewed > 0);
    await client.signal(run.runId, "fraud_review", "approved");
    await run.result();
    await engine.stop();
    expect(seen.slice(0, 2)).toEqual(["engine.started", "registry.registered"]);
    expect(seen.slice(-2)).toEqual(["drain.started", "drain.completed"]);
    expect([...polled].sort()).toEqual(["activity", "workflow"]);
  });

  it("a database outage logs once when the loops start failing and once when they recover", async () => {
    const { journal, down } = flakyJournal(new MemoryJournal());
    const logs: CapturedLog[] = [];
    const engine = startEngine({
      journal,
      workflows: [orderFlow],
      activities: orderActivities,
      logger: captureLogger(logs),
      logLevel: "info",
    });
    let polls = 0;
    let loopErrors = 0;
    let reconnected = 0;
    engine.events.on("dispatcher.polled", () => void polls++);
    engine.events.on("engine.error", () => void loopErrors++);
    engine.events.on("journal.reconnected", () => void reconnected++);
    await until(() => polls >= 2);
    down.value = true;
    // Many failing polls of every loop...
    await until(() => loopErrors >= 20);
    down.value = false;
    await until(() => reconnected === 1);
    const after = polls;
    await until(() => polls >= after + 5);
    const outage = logs.filter((line) => line.fields["event"]?.toString().startsWith("journal."));
    expect(outage.map((line) => [line.level, line.fields["event"]])).toEqual([
      ["error", "journal.unreachable"],
      ["info", "journal.reconnected"],
    ]);
    expect(outage[0]?.message).toMatch(/^journal unreachable \(\w+\): ECONNREFUSED connect ECONNREFUSED/);
    // ...and nothing else at error level: loop failures are the outage's line, not one each.
    expect(logs.filter((line) => line.level === "error")).toHaveLength(1);
    // The engine works again.
    const client = createClient({ journal, pollIntervalMs: 10 });
    const run = await client.start(orderFlow, sampleOrder);
    await client.signal(run.runId, "fraud_review", "approved");
    expect(await run.result()).toMatchObject({ status: "shipped" });
  });

  it("the default console logger never prints the database password of an outage", async () => {
    const { journal, down } = flakyJournal(new MemoryJournal());
    const lines: string[] = [];
    const engine = startEngine({
      journal,
      workflows: [orderFlow],
      logLevel: "info",
      logger: createConsoleLogger({ format: "pretty", stream: { write: (line) => void lines.push(line) } }),
    });
    let unreachable = 0;
    engine.events.on("journal.unreachable", () => void unreachable++);
    down.value = true;
    await until(() => unreachable === 1);
    expect(lines.join("")).toContain("journal unreachable");
    expect(lines.join("")).not.toContain("hunter2");
  });

  describe.each([
    { kind: "memory", open: async (): Promise<Journal> => new MemoryJournal() },
    {
      kind: "PGlite",
      open: async (): Promise<Journal> => {
        const journal = await openJournal({ dataDir: "memory://" });
        closers.push(() => journal.close());
        return journal;
      },
    },
  ])("on $kind", ({ open }) => {
    // Opened (and migrated) in the hook, whose timeout allows for a busy machine.
    let opened: Journal;
    beforeEach(async () => {
      opened = await open();
    });
    it("warns that no engine registers a workflow whose runs wait", async () => {
      const journal = opened;
      const ghost = workflow.stamped(stamp("ghost"))("ghost", { version: 1 }, async () => "boo");
      const client = createClient({ journal, pollIntervalMs: 10 });
      const run = await client.start(ghost, undefined);
      const logs: CapturedLog[] = [];
      const engine = startEngine({
        journal,
        workflows: [orderFlow],
        logger: captureLogger(logs),
        logLevel: "info",
        unservedWorkflowAfterMs: 50,
      });
      let reported = 0;
      engine.events.on("workflow.unserved", () => void reported++);
      await until(() => reported === 1);
      const warnings = logs.filter((line) => line.fields["event"] === "workflow.unserved");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.level).toBe("warn");
      expect(warnings[0]?.fields).toMatchObject({ workflowName: "ghost", runs: 1, namespace: "default" });
      expect(warnings[0]?.message).toMatch(/^no engine registers workflow ghost: 1 run\(s\)/);
      // The ghost run is untouched: the check only reads.
      expect((await journal.getRun(run.runId))?.status).toBe("running");
      expect((await journal.getRun(run.runId))?.lastSeq).toBe(1);
    });
  });
});
