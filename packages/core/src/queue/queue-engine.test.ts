import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { MemoryJournal } from "../journal/memory/index.ts";
import { activity, defineActivity, workflow } from "../workflow/index.ts";
import { createEngine, type Engine } from "../worker/create-engine.ts";
import type { QueueThrottledEvent } from "../worker/lifecycle-events.ts";
import { createTestEnvironment } from "../testing/create-test-environment.ts";
import { sleep } from "../workflow/index.ts";
import { NotifyTopic } from "../journal/notifier.ts";
import { defineQueue } from "./define-queue.ts";
import { createAttemptGate, until } from "./test-support/attempt-gate.ts";

const file = "packages/core/src/queue/queue-engine.test.ts";

/** Activities wait here until the test opens the gate. */
const gate = createAttemptGate();
const hold = defineActivity("queue-test.hold", async (n: number) => gate.pass(n));
const held = workflow.stamped({ format: 1, versionHash: "queue-held", cursors: [], file, line: 29 })(
  "queue-test.held",
  { version: 1 },
  async (n: number) => activity.at("activity:hold#0")(hold, n),
);

const engines: Engine[] = [];
afterEach(async () => {
  gate.open();
  await Promise.all(engines.splice(0).map((engine) => engine.stop({ graceful: true, timeoutMs: 2_000 })));
});

describe("engines serving run queues", () => {
  it("runs at most `concurrency` queued runs at once over two engines, reporting throttling once", async () => {
    gate.close();
    const journal = new MemoryJournal();
    const queue = defineQueue("queue-test.two", { concurrency: 2 });
    const throttled: QueueThrottledEvent[] = [];
    const dequeued: string[] = [];
    for (const owner of ["a", "b"]) {
      const engine = createEngine({
        journal,
        owner,
        workflows: [held],
        activities: [hold],
        queues: [queue],
        pollIntervalMs: 20,
      });
      engine.events.on("queue.throttled", (e) => throttled.push(e));
      engine.events.on("queue.dequeued", (e) => dequeued.push(...e.runIds));
      engines.push(engine);
      engine.start();
    }
    const client = createClient({ journal, pollIntervalMs: 10 });
    const runs = [];
    for (let i = 0; i < 6; i += 1) runs.push(await client.start(held, i, { queue }));
    await until(() => gate.running === 2);
    await until(async () => (await journal.listQueues())[0]?.backlog === 4);
    await until(() => throttled.length > 0);
    expect(throttled[0]).toEqual({ queue: queue.name, reason: "concurrency" });
    gate.open();
    expect(await Promise.all(runs.map((run) => run.result({ timeoutMs: 10_000 })))).toEqual([
      0, 1, 2, 3, 4, 5,
    ]);
    expect(gate.most).toBe(2);
    expect(new Set(dequeued).size).toBe(6);
    expect((await journal.listQueues())[0]).toMatchObject({ backlog: 0, running: 0 });
  });

  it("announces a queued start as run_queued, and a full engine dequeues again only when a run ends", async () => {
    gate.close();
    const journal = new MemoryJournal();
    const queue = defineQueue("queue-test.full", { concurrency: 1 });
    const hints: string[] = [];
    journal.notifier.subscribe(NotifyTopic.runReady, (id) => hints.push(`ready ${id}`));
    journal.notifier.subscribe(NotifyTopic.runQueued, (id) => hints.push(`queued ${id}`));
    let rounds = 0;
    const dequeueRuns = journal.dequeueRuns.bind(journal);
    journal.dequeueRuns = (request) => ((rounds += 1), dequeueRuns(request));
    // A poll interval no test waits for: every dequeue here is a hint's or a run end's.
    const engine = createEngine({
      journal,
      workflows: [held],
      activities: [hold],
      queues: [queue],
      pollIntervalMs: 600_000,
    });
    const throttled: QueueThrottledEvent[] = [];
    engine.events.on("queue.throttled", (e) => throttled.push(e));
    engines.push(engine);
    engine.start();
    const client = createClient({ journal, pollIntervalMs: 10 });
    const first = await client.start(held, 1, { queue });
    // The start's hint is run_queued (no claim can take the run yet); run_ready comes with its dequeue.
    expect(hints[0]).toBe(`queued ${first.runId}`);
    await until(() => gate.running === 1);
    expect(hints).toContain(`ready ${first.runId}`);
    const second = await client.start(held, 2, { queue });
    await until(() => throttled.length === 1);
    // The queue is full: further starts' hints do not send the engine to dequeue.
    const before = rounds;
    const rest = [await client.start(held, 3, { queue }), await client.start(held, 4, { queue })];
    for (let hop = 0; hop < 20; hop += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(rounds).toBe(before);
    // A run's end does: every run completes, one at a time.
    gate.open();
    const results = await Promise.all(
      [first, second, ...rest].map((run) => run.result({ timeoutMs: 10_000 })),
    );
    expect(results).toEqual([1, 2, 3, 4]);
    expect(gate.most).toBe(1);
  });

  it("dedupes a start with the same key and cancels a queued run without running it", async () => {
    const journal = new MemoryJournal();
    const queue = defineQueue("queue-test.idle");
    const client = createClient({ journal });
    const first = await client.start(held, 1, { queue, dedupeKey: "k" });
    const second = await client.start(held, 2, { queue, dedupeKey: "k" });
    expect(second).toMatchObject({ runId: first.runId, created: false });
    await client.cancel(first.runId, "no longer needed");
    expect((await journal.getRun(first.runId))?.status).toBe("cancelled");
  });

  it("the test kit serves every queue its client started runs into, within the limits", async () => {
    const order: string[] = [];
    const napping = workflow.stamped({ format: 1, versionHash: "queue-nap", cursors: [], file, line: 96 })(
      "queue-test.nap",
      { version: 1 },
      async (name: string) => {
        order.push(`start ${name}`);
        await sleep.at("sleep:#0")(60_000);
        order.push(`end ${name}`);
        return name;
      },
    );
    const env = await createTestEnvironment({ workflows: [napping] });
    try {
      const one = defineQueue("queue-test.one", { concurrency: 1 });
      const low = await env.client.start(napping, "low", { queue: one, priority: 9 });
      const high = await env.client.start(napping, "high", { queue: one, priority: 1 });
      await env.settle();
      expect(order).toEqual(["start high"]);
      expect((await env.journal.listQueues())[0]).toMatchObject({ backlog: 1, running: 1 });
      await env.advanceTime(60_000);
      expect(await high.result()).toBe("high");
      expect(await low.result()).toBe("low");
      expect(order).toEqual(["start high", "end high", "start low", "end low"]);
    } finally {
      await env.close();
    }
  });

  it("refuses queue options that mean nothing", async () => {
    const client = createClient({ journal: new MemoryJournal() });
    const queue = defineQueue("queue-test.checks");
    await expect(client.start(held, 1, { priority: 1 })).rejects.toMatchObject({
      code: ErrorCode.InvalidQueueOption,
    });
    await expect(client.start(held, 1, { queue, debounce: 100 })).rejects.toMatchObject({
      code: ErrorCode.InvalidQueueOption,
    });
    expect(() => defineQueue("q", { rateLimit: { limit: 5 } as never })).toThrow(/rateLimit/);
    expect(() => defineQueue("q", { concurrency: 0 })).toThrow(/concurrency/);
  });
});
