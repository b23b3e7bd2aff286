import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Journal, ScheduleFireResult, ScheduleSpec } from "../journal.ts";
import { migrate } from "./migrator.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import { createSqlJournal } from "./sql-journal.ts";
import { advanceTestClock } from "./test-clock.ts";
import {
  createServerDatabase,
  emptyJournal,
  serverKysely,
  type ServerDatabase,
} from "./test-support/sql-test-databases.ts";

// Exactly one run per fire time across engines: several pools (each an engine's connections)
// fire the same schedules at the same moments, over many fire times moved by the test clock.
// Lock contention needs a real server (PGlite is one connection).

let database: ServerDatabase;
let pools: SqlExecutor[] = [];
const silent = { subscribe: () => () => {}, close: async () => {} };

beforeAll(async () => {
  database = await createServerDatabase("schedules_race");
  pools = [serverKysely(database.url, 4), serverKysely(database.url, 4), serverKysely(database.url, 4)];
  await migrate(pools[0]!);
});
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.destroy()));
  await database?.drop();
});

const minute = 60_000;
const spec = (overlap: ScheduleSpec["overlap"]): ScheduleSpec => ({
  everyMs: minute,
  timezone: "UTC",
  overlap,
  catchupWindowMs: 10 * minute,
  jitterMs: 0,
});

describe("schedules racing on PostgreSQL (three pools)", () => {
  it("every fire time starts exactly one run, whichever engine fires it, over 40 fire times of 6 schedules", async () => {
    const db = pools[0]!;
    await emptyJournal(db);
    const journals: Journal[] = pools.map((pool) => createSqlJournal(pool, { notifier: silent }));
    const names = Array.from({ length: 6 }, (_, i) => `race-${i}`);
    // Every engine registers every schedule on boot, at once: each is created once.
    const registered = await Promise.all(
      journals.flatMap((journal) =>
        names.map((name) =>
          journal.upsertSchedule({
            namespace: "ns",
            name,
            spec: spec("allow"),
            specHash: "h",
            workflowName: "wf",
            versionHash: "v1",
            input: { name },
          }),
        ),
      ),
    );
    expect(registered.filter((r) => r.created)).toHaveLength(names.length);
    const results: ScheduleFireResult[] = [];
    const fireTimes = 40;
    for (let i = 0; i < fireTimes; i++) {
      await advanceTestClock(db, minute);
      // Each engine polls twice at the same moment: six callers race for the same due rows.
      results.push(
        ...(await Promise.all(
          journals.flatMap((journal) => [
            journal.fireDueSchedules({ namespace: "ns", limit: 4 }),
            journal.fireDueSchedules({ namespace: "ns", limit: 4 }),
          ]),
        )),
      );
      // Whatever a caller skipped because of the limit, the next polls pick up.
      for (;;) {
        const more = await journals[i % journals.length]!.fireDueSchedules({ namespace: "ns", limit: 10 });
        results.push(more);
        if (more.fired.length === 0) break;
      }
    }
    const fired = results.flatMap((r) => r.fired);
    const skipped = results.flatMap((r) => r.skipped);
    expect(skipped).toEqual([]);
    const runs = await sql<{ workflow_id: string; n: string }>`
      SELECT workflow_id, count(*) AS n FROM continuum.runs WHERE namespace = 'ns' GROUP BY workflow_id`.execute(
      db,
    );
    expect(runs.rows.every((row) => Number(row.n) === 1)).toBe(true);
    expect(runs.rows).toHaveLength(fired.length);
    expect(new Set(fired.map((f) => f.workflowId)).size).toBe(fired.length);
    // One fire per schedule per minute moved (the first minute may or may not be one already due).
    for (const name of names) {
      const count = fired.filter((f) => f.schedule === name).length;
      expect(count).toBeGreaterThanOrEqual(fireTimes);
      expect(count).toBeLessThanOrEqual(fireTimes + 1);
      const schedule = await journals[0]!.getSchedule("ns", name);
      expect(schedule?.firedCount).toBe(count);
    }
    expect(fired.length).toBeGreaterThanOrEqual(names.length * fireTimes);
  });

  it("a backfill sent by three pools at once starts each fire time once; the others see duplicates", async () => {
    const db = pools[0]!;
    await emptyJournal(db);
    const journals: Journal[] = pools.map((pool) => createSqlJournal(pool, { notifier: silent }));
    const { schedule } = await journals[0]!.upsertSchedule({
      namespace: "ns",
      name: "bf",
      spec: spec("skip"),
      specHash: "h",
      workflowName: "wf",
      versionHash: "v1",
      input: null,
    });
    const to = schedule.nextFireAt! - minute;
    const from = to - 29 * minute;
    const backfills = await Promise.all(
      journals.map((journal) =>
        journal.fireSchedule({ kind: "backfill", namespace: "ns", name: "bf", fromMs: from, toMs: to }),
      ),
    );
    const started = backfills.flatMap((r) => r.fired);
    expect(started).toHaveLength(30);
    expect(backfills.flatMap((r) => r.skipped.map((s) => s.reason))).toEqual(Array(60).fill("duplicate"));
    const count = await sql<{ n: string }>`SELECT count(*) AS n FROM continuum.runs`.execute(db);
    expect(Number(count.rows[0]?.n)).toBe(30);
  });
});
