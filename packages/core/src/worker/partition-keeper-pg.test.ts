import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import type { Journal } from "../journal/journal.ts";
import { openJournal } from "../journal/open-journal.ts";
import type { SqlExecutor } from "../journal/sql/sql-fragments.ts";
import { advanceTestClock } from "../journal/sql/test-clock.ts";
import {
  createServerDatabase,
  serverKysely,
  type ServerDatabase,
} from "../journal/sql/test-support/sql-test-databases.ts";
import { workflow } from "../workflow/index.ts";
import { createEngine, type Engine } from "./create-engine.ts";
import type { PartitionsDroppedEvent } from "./lifecycle-events.ts";

// The engine's partition keeper drops past months' history partitions once no row is left in
// them (retention or `continuum cleanup` deleted their runs), and never a month that still holds
// a run's history. A real server: the clock is moved by the journal's test offset.

const file = "packages/core/src/worker/partition-keeper-pg.test.ts";
const done = workflow.stamped({ format: 1, versionHash: "keeper-done", cursors: [], file, line: 21 })(
  "keeper.done",
  { version: 1 },
  async (n: number) => n + 1,
);

let database: ServerDatabase;
let db: SqlExecutor;
let journal: Journal;
const engines: Engine[] = [];

beforeAll(async () => {
  database = await createServerDatabase("partition_keeper");
  journal = await openJournal({ url: database.url, migrate: true });
  db = serverKysely(database.url);
});

afterAll(async () => {
  await Promise.all(engines.map((engine) => engine.stop({ graceful: false })));
  await journal?.close();
  await db?.destroy();
  await database?.drop();
});

/** Range partitions of the history table, by name. */
async function rangePartitions(): Promise<string[]> {
  return (await journal.admin!.partitions())
    .filter((p) => p.kind === "range")
    .map((p) => p.name)
    .sort();
}

describe("the engine's partition keeper on PostgreSQL", () => {
  it("drops a past month once no run holds it, keeps the months that still have history", async () => {
    const runner = createEngine({ journal, workflows: [done], partitions: false });
    engines.push(runner);
    runner.start();
    const client = createClient({ journal });
    const run = await client.start(done, 1);
    expect(await run.result()).toBe(2);
    await runner.stop();

    const before = await rangePartitions();
    const thisMonth = before[0]!; // openJournal created this month and the next two
    expect(before).toHaveLength(3);
    // Four months later every partition created at open is in the past; only this month's
    // holds a row (the completed run's history).
    await advanceTestClock(db, 4 * 31 * 86_400_000);

    const dropped: PartitionsDroppedEvent[] = [];
    const keeper = createEngine({ journal, workflows: [done], partitions: { intervalMs: 50 } });
    engines.push(keeper);
    keeper.events.on("partitions.dropped", (e) => dropped.push(e));
    keeper.start();
    // No deadline: the runner's timeout catches a keeper that never drops.
    while (dropped.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    expect([...dropped[0]!.partitions].sort()).toEqual(before.slice(1));
    expect(dropped[0]!.bytes).toBeGreaterThan(0);
    expect(await rangePartitions()).toContain(thisMonth);
    expect((await client.history(run.runId)).map((e) => e.kind)).toContain("run_completed");

    // Retention (here by hand) deletes the closed run: its month goes at the next rounds.
    const closedBefore = await journal.now();
    expect((await journal.deleteClosedRuns({ closedBefore, limit: 10 })).runs).toBe(1);
    while (!dropped.some((e) => e.partitions.includes(thisMonth)))
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await rangePartitions()).not.toContain(thisMonth);
    // The months the keeper made for the moved clock are still there: now is never dropped.
    expect(await rangePartitions()).toHaveLength(3);
  });
});
