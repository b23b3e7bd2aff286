import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stepCommit, task } from "../../testing/conformance/conformance-harness.ts";
import { migrate } from "./migrator.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import { createSqlJournal } from "./sql-journal.ts";
import {
  createServerDatabase,
  serverKysely,
  type ServerDatabase,
} from "./test-support/sql-test-databases.ts";

/**
 * Issue 18, lever 2: the first step of an eagerly started run, by the engine that keeps it,
 * updates the run row HOT (no new entry in any of the run's indexes), and so do the next ones.
 * Real server only. Counted exactly: one connection (a pool of one), `pg_stat_force_next_flush()`
 * after each write, so that its counters reach the shared statistics as soon as that connection
 * goes idle, read back by the next statement on the same connection (the function needs a
 * superuser, as the test server's `postgres` is).
 */
let database: ServerDatabase;
let db: SqlExecutor;
const silent = { subscribe: () => () => {}, close: async () => {} };

beforeAll(async () => {
  database = await createServerDatabase("hot_first_step");
  db = serverKysely(database.url, 1);
  await migrate(db);
});
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

/** The run table's update counters as the shared statistics hold them now. */
async function runUpdates(): Promise<{ updated: number; hot: number }> {
  await sql`SELECT pg_stat_clear_snapshot()`.execute(db);
  const found = await sql<{ updated: string; hot: string }>`
    SELECT n_tup_upd::text AS updated, n_tup_hot_upd::text AS hot FROM pg_stat_user_tables
    WHERE schemaname = 'continuum' AND relname = 'runs'`.execute(db);
  const row = found.rows[0];
  return { updated: Number(row?.updated ?? 0), hot: Number(row?.hot ?? 0) };
}

/** Runs `write` with its statistics flushed when it commits; returns the run updates it made. */
async function counted(write: () => Promise<unknown>): Promise<{ updated: number; hot: number }> {
  const before = await runUpdates();
  await write();
  // Flushed when this statement ends and the connection goes idle (the write's counters with it).
  await sql`SELECT pg_stat_force_next_flush()`.execute(db);
  const after = await runUpdates();
  return { updated: after.updated - before.updated, hot: after.hot - before.hot };
}

describe("issue 18: an eager start's steps inside its window update the run row HOT", () => {
  it("the first and second steps of a kept run are HOT updates; the last (terminal) one is not", async () => {
    const journal = createSqlJournal(db, { notifier: silent });
    const { claim } = await journal.startRun({
      namespace: "default",
      workflowName: "wf",
      versionHash: "v1",
      input: null,
      lease: { owner: "engine-a", leaseMs: 30_000 },
    });
    expect(claim?.runVersion).toBeDefined();
    let version = claim!.runVersion!;
    let lastSeq = claim!.run.lastSeq;
    const step = async (spec: Parameters<typeof stepCommit>[1]): Promise<void> => {
      const result = await journal.commitStep({
        ...stepCommit(claim!, { ...spec, lastSeq }),
        runVersion: version,
      });
      lastSeq = result.lastSeq;
      version = result.runVersion ?? version;
    };
    expect(await counted(() => step({ tasks: [task("activity:a#0@0")], leaseMs: 30_000 }))).toEqual({
      updated: 1,
      hot: 1,
    });
    expect(await counted(() => step({ tasks: [task("activity:b#0@0")], leaseMs: 30_000 }))).toEqual({
      updated: 1,
      hot: 1,
    });
    // The end of the run changes `status` and `finished_at` (indexed): not HOT, as before.
    expect(await counted(() => step({ status: "completed", result: 1 }))).toEqual({ updated: 1, hot: 0 });
  });
});
