import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { MemoryJournal } from "../journal/memory/index.ts";
import { createInspector } from "../inspect/create-inspector.ts";
import { activity, defineActivity, workflow } from "../workflow/index.ts";
import { createEngine, type Engine } from "../worker/create-engine.ts";
import type { EngineOptions } from "../worker/engine-options.ts";
import { defineQueue } from "./define-queue.ts";
import { createAttemptGate, until } from "./test-support/attempt-gate.ts";

// A call's own queue (activity(fn, ...args, { queue })), on the memory journal: it overrides the
// activity's queue, is recorded with the call, and must be a queue the engine serves.

const file = "packages/core/src/queue/per-call-queue.test.ts";

const wide = defineQueue("per-call.wide", { concurrency: 3 });
const narrow = defineQueue("per-call.narrow", { concurrency: 1 });
const unserved = defineQueue("per-call.unserved", { concurrency: 1 });

/** Attempts wait here until the test opens the gate. */
const gate = createAttemptGate();
const call = defineActivity("per-call.call", async (n: number) => gate.pass(n), {
  queue: wide,
  retry: { maxAttempts: 1 },
});
const viaNarrow = workflow.stamped({
  format: 1,
  versionHash: "per-call-narrow",
  cursors: [],
  file,
  line: 35,
})("per-call.via-narrow", { version: 1 }, async (n: number) =>
  activity.at("activity:call#0")(call, n, { queue: narrow }),
);
const viaUnserved = workflow.stamped({
  format: 1,
  versionHash: "per-call-unserved",
  cursors: [],
  file,
  line: 40,
})("per-call.via-unserved", { version: 1 }, async (n: number) =>
  activity.at("activity:call#0")(call, n, { queue: unserved }),
);
const viaString = workflow.stamped({
  format: 1,
  versionHash: "per-call-string",
  cursors: [],
  file,
  line: 45,
})("per-call.via-string", { version: 1 }, async (n: number) =>
  activity.at("activity:call#0")(call, n, { queue: "per-call.narrow" as never }),
);

const engines: Engine[] = [];
afterEach(async () => {
  gate.open();
  await Promise.all(engines.splice(0).map((engine) => engine.stop({ graceful: true, timeoutMs: 2_000 })));
});

function startEngines(journal: MemoryJournal, count: number): void {
  for (let i = 0; i < count; i += 1) {
    const engine = createEngine({
      journal,
      owner: `engine-${i}`,
      workflows: [viaNarrow, viaUnserved, viaString],
      activities: [call],
      queues: [narrow],
      pollIntervalMs: 10,
    });
    engines.push(engine);
    engine.start();
  }
}

describe("a call's own queue", () => {
  it("overrides the activity's queue: its limits hold the call's attempts across engines", async () => {
    gate.close();
    const journal = new MemoryJournal();
    startEngines(journal, 2);
    const client = createClient({ journal, pollIntervalMs: 10 });
    const runs = [];
    for (let i = 0; i < 4; i += 1) runs.push(await client.start(viaNarrow, i));
    await until(async () => {
      const info = (await journal.listQueues()).find((q) => q.name === narrow.name);
      return info?.activities.running === 1 && info.activities.waiting === 3;
    });
    // The activity's own queue would allow 3 at once; the call's allows 1.
    expect(gate.running).toBe(1);
    expect((await journal.listQueues()).find((q) => q.name === wide.name)?.activities).toEqual({
      waiting: 0,
      running: 0,
    });
    gate.open();
    expect(await Promise.all(runs.map((run) => run.result({ timeoutMs: 10_000 })))).toEqual([0, 1, 2, 3]);
    expect(gate.most).toBe(1);
  });

  it("is recorded with the call, so replay and the task keep the routing", async () => {
    const journal = new MemoryJournal();
    startEngines(journal, 1);
    const client = createClient({ journal, pollIntervalMs: 10 });
    const run = await client.start(viaNarrow, 7);
    expect(await run.result({ timeoutMs: 10_000 })).toBe(7);
    const history = await journal.readHistory(run.runId);
    const scheduled = history.find((event) => event.kind === "activity_scheduled");
    expect(scheduled).toMatchObject({ activityName: call.name, options: { queue: narrow.name } });
    expect(await createInspector(journal).tasks(run.runId)).toMatchObject([
      { activityName: call.name, queue: narrow.name, status: "completed" },
    ]);
  });

  it("replays a recorded call on an engine that does not serve its queue (only new calls are checked)", async () => {
    const journal = new MemoryJournal();
    const engine = (
      name: string,
      options: Pick<EngineOptions, "workflows" | "activities" | "queues">,
    ): Engine => {
      const created = createEngine({ journal, owner: name, pollIntervalMs: 10, ...options });
      engines.push(created);
      created.start();
      return created;
    };
    // The engine that makes the call serves the queue, but runs no activities.
    const caller = engine("caller", { workflows: [viaNarrow], queues: [narrow] });
    const client = createClient({ journal, pollIntervalMs: 10 });
    const run = await client.start(viaNarrow, 9);
    await until(async () => (await createInspector(journal).tasks(run.runId)).length === 1);
    await caller.stop({ graceful: true, timeoutMs: 2_000 });
    // An activity worker serves the queue; the run's next step is replayed by an engine without queues.
    engine("worker", { workflows: [], activities: [call], queues: [narrow] });
    engine("replayer", { workflows: [viaNarrow] });
    expect(await run.result({ timeoutMs: 10_000 })).toBe(9);
  });

  it("fails the run with CTM_INVALID_QUEUE_OPTION when the engine does not serve the queue", async () => {
    const journal = new MemoryJournal();
    startEngines(journal, 1);
    const client = createClient({ journal, pollIntervalMs: 10 });
    const run = await client.start(viaUnserved, 1);
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toMatchObject({
      cause: { code: ErrorCode.InvalidQueueOption },
    });
    expect((await journal.listQueues()).find((q) => q.name === unserved.name)).toBeUndefined();
  });

  it("refuses a queue option that is not a defineQueue result (CTM_INVALID_ARGUMENT)", async () => {
    const journal = new MemoryJournal();
    startEngines(journal, 1);
    const client = createClient({ journal, pollIntervalMs: 10 });
    const run = await client.start(viaString, 1);
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toMatchObject({
      cause: { code: ErrorCode.InvalidArgument },
    });
  });
});
