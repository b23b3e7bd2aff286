import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { MemoryJournal } from "../journal/memory/index.ts";
import { activity, continueAsNew, defineActivity, sleep, workflow } from "../workflow/index.ts";
import { createEngine, type Engine } from "../worker/create-engine.ts";
import type { ActivityThrottledEvent, QueueThrottledEvent } from "../worker/lifecycle-events.ts";
import { createTestEnvironment } from "../testing/create-test-environment.ts";
import { createInspector } from "../inspect/create-inspector.ts";
import { defineQueue } from "./define-queue.ts";
import { createAttemptGate, until } from "./test-support/attempt-gate.ts";

// Activities routed to queues, partitioned queues and queued continue-as-new, on the memory
// journal (tests/queues runs the same on PostgreSQL with several processes).

const file = "packages/core/src/queue/queue-features.test.ts";

const api = defineQueue("features.api", { concurrency: 2 });
/** Attempts wait here until the test opens the gate. */
const gate = createAttemptGate();
const callApi = defineActivity(
  "features.call-api",
  async (n: number) => gate.pass(n),
  // One attempt: an attempt held back by the queue must not use it up.
  { queue: api, retry: { maxAttempts: 1 } },
);
const callsApi = workflow.stamped({ format: 1, versionHash: "features-api", cursors: [], file, line: 34 })(
  "features.calls-api",
  { version: 1 },
  async (n: number) => activity.at("activity:callApi#0")(callApi, n),
);

const engines: Engine[] = [];
afterEach(async () => {
  gate.open();
  await Promise.all(engines.splice(0).map((engine) => engine.stop({ graceful: true, timeoutMs: 2_000 })));
});

describe("activities routed to a queue", () => {
  it("runs at most `concurrency` attempts across engines; held-back attempts wait without using a retry", async () => {
    gate.close();
    const journal = new MemoryJournal();
    const throttled: ActivityThrottledEvent[] = [];
    for (const owner of ["a", "b"]) {
      const engine = createEngine({
        journal,
        owner,
        workflows: [callsApi],
        activities: [callApi],
        pollIntervalMs: 10,
      });
      engine.events.on("activity.throttled", (e) => throttled.push(e));
      engines.push(engine);
      engine.start();
    }
    const client = createClient({ journal, pollIntervalMs: 10 });
    const runs = [];
    for (let i = 0; i < 6; i += 1) runs.push(await client.start(callsApi, i));
    await until(async () => {
      const info = (await journal.listQueues()).find((q) => q.name === api.name);
      return info?.activities.running === 2 && info.activities.waiting === 4;
    });
    await until(() => throttled.length > 0);
    expect(gate.running).toBe(2);
    expect(throttled[0]).toEqual({ queue: api.name, reason: "concurrency" });
    gate.open();
    expect(await Promise.all(runs.map((run) => run.result({ timeoutMs: 10_000 })))).toEqual([
      0, 1, 2, 3, 4, 5,
    ]);
    expect(gate.most).toBe(2);
    expect((await journal.listQueues()).find((q) => q.name === api.name)?.activities).toEqual({
      waiting: 0,
      running: 0,
    });
  });

  it("holds attempts to the rate limit by the journal clock in the test kit; the run waits, nothing fails", async () => {
    const once = defineQueue("features.once-a-minute", { rateLimit: { limit: 1, period: 60_000 } });
    const calls: number[] = [];
    const ping = defineActivity("features.ping", async (n: number) => calls.push(n), {
      queue: once,
      retry: { maxAttempts: 1 },
    });
    const pings = workflow.stamped({ format: 1, versionHash: "features-pings", cursors: [], file, line: 98 })(
      "features.pings",
      { version: 1 },
      async () => {
        await activity.at("activity:ping#0")(ping, 1);
        await activity.at("activity:ping#1")(ping, 2);
        return "done";
      },
    );
    const env = await createTestEnvironment({ workflows: [pings], activities: [ping] });
    const throttled: ActivityThrottledEvent[] = [];
    env.events.on("activity.throttled", (e) => throttled.push(e));
    try {
      const run = await env.client.start(pings, undefined);
      await env.settle();
      expect(calls).toEqual([1]);
      expect(throttled).toEqual([{ queue: once.name, reason: "rate_limit" }]);
      const tasks = await createInspector(env.journal).tasks(run.runId);
      expect(tasks.find((t) => t.status === "pending")).toMatchObject({ queue: once.name, attempt: 0 });
      await env.advanceTime(60_000);
      expect(await run.result()).toBe("done");
      expect(calls).toEqual([1, 2]);
    } finally {
      await env.close();
    }
  });

  it("refuses a queue option that is not a queue", () => {
    expect(() => defineActivity("features.bad", async () => 1, { queue: "api" as never })).toThrow(
      /queue made by defineQueue/,
    );
  });
});

const napping = workflow.stamped({ format: 1, versionHash: "features-nap", cursors: [], file, line: 95 })(
  "features.nap",
  { version: 1 },
  async (name: string) => {
    await sleep.at("sleep:#0")(60_000);
    return name;
  },
);

describe("partitioned queues", () => {
  it("applies the concurrency limit per partition key: two keys run in parallel, one key one at a time", async () => {
    const env = await createTestEnvironment({ workflows: [napping] });
    try {
      const perCustomer = defineQueue("features.per-customer", { partitionKey: true, concurrency: 1 });
      const a1 = await env.client.start(napping, "a1", { queue: perCustomer, partitionKey: "customer-a" });
      const a2 = await env.client.start(napping, "a2", { queue: perCustomer, partitionKey: "customer-a" });
      const b1 = await env.client.start(napping, "b1", { queue: perCustomer, partitionKey: "customer-b" });
      await env.settle();
      const [info] = await env.journal.listQueues();
      expect(info).toMatchObject({ partitioned: true, backlog: 1, running: 2 });
      expect(info?.partitions).toEqual([
        { key: "customer-a", backlog: 1, running: 1 },
        { key: "customer-b", backlog: 0, running: 1 },
      ]);
      await env.advanceTime(60_000);
      expect(await a1.result()).toBe("a1");
      expect(await b1.result()).toBe("b1");
      await env.advanceTime(60_000);
      expect(await a2.result()).toBe("a2");
    } finally {
      await env.close();
    }
  });

  it("needs a partition key for a partitioned queue and refuses one elsewhere", async () => {
    const client = createClient({ journal: new MemoryJournal() });
    const partitioned = defineQueue("features.p", { partitionKey: true });
    const plain = defineQueue("features.plain");
    await expect(client.start(napping, "x", { queue: partitioned })).rejects.toMatchObject({
      code: ErrorCode.InvalidQueueOption,
    });
    await expect(client.start(napping, "x", { queue: plain, partitionKey: "k" })).rejects.toMatchObject({
      code: ErrorCode.InvalidQueueOption,
    });
    await expect(client.start(napping, "x", { partitionKey: "k" })).rejects.toMatchObject({
      code: ErrorCode.InvalidQueueOption,
    });
    expect(() => defineQueue("features.bad", { partitionKey: "yes" as never })).toThrow(/partitionKey/);
  });
});

describe("queue telemetry", () => {
  it("reports a run queue held back by its rate limit once (queue.throttled, reason rate_limit)", async () => {
    const env = await createTestEnvironment({ workflows: [napping] });
    const throttled: QueueThrottledEvent[] = [];
    env.events.on("queue.throttled", (e) => throttled.push(e));
    try {
      const slow = defineQueue("features.slow", { rateLimit: { limit: 1, period: 3_600_000 } });
      for (const name of ["r1", "r2", "r3"]) await env.client.start(napping, name, { queue: slow });
      await env.settle();
      await env.advanceTime(60_000);
      expect(throttled).toEqual([{ queue: slow.name, reason: "rate_limit" }]);
      expect((await env.journal.listQueues())[0]).toMatchObject({ backlog: 2, dequeuedInPeriod: 1 });
    } finally {
      await env.close();
    }
  });
});

describe("a queued run that continues as new", () => {
  it("hands its queue place to the successor, which waits in the queue behind runs queued before it", async () => {
    const order: string[] = [];
    const stages = workflow.stamped({
      format: 1,
      versionHash: "features-stages",
      cursors: [],
      file,
      line: 155,
    })("features.stages", { version: 1 }, async (input: { name: string; left: number }) => {
      order.push(`start ${input.name}/${input.left}`);
      await sleep.at("sleep:#0")(60_000);
      if (input.left > 0) return continueAsNew.at("continueAsNew:#0")({ ...input, left: input.left - 1 });
      return input.name;
    });
    const env = await createTestEnvironment({ workflows: [stages] });
    try {
      const one = defineQueue("features.one", { concurrency: 1 });
      const chain = await env.client.start(stages, { name: "x", left: 1 }, { queue: one, priority: 5 });
      const other = await env.client.start(stages, { name: "y", left: 0 }, { queue: one, priority: 5 });
      await env.settle();
      expect(order).toEqual(["start x/1"]);
      await env.advanceTime(60_000);
      // x continued: its successor is queued (priority 5, behind y), so y runs first.
      expect(order).toEqual(["start x/1", "start y/0"]);
      expect((await env.journal.listQueues())[0]).toMatchObject({ backlog: 1, running: 1 });
      await env.advanceTime(60_000);
      expect(await other.result()).toBe("y");
      expect(order).toEqual(["start x/1", "start y/0", "start x/0"]);
      await env.advanceTime(60_000);
      expect(await chain.result()).toBe("x");
    } finally {
      await env.close();
    }
  });
});
