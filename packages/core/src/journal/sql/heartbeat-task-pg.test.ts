import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Journal } from "../journal.ts";
import { migrate } from "./migrator.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import { createSqlJournal } from "./sql-journal.ts";
import {
  createServerDatabase,
  emptyJournal,
  serverKysely,
  type ServerDatabase,
} from "./test-support/sql-test-databases.ts";

let database: ServerDatabase;
let db: SqlExecutor;
beforeAll(async () => {
  database = await createServerDatabase("heartbeat_task");
  db = serverKysely(database.url, 4);
  await migrate(db);
});
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

const silent = { subscribe: () => () => {}, close: async () => {} };
const options = {
  retry: {
    maxAttempts: 3,
    initialIntervalMs: 1000,
    backoffCoefficient: 2,
    maxIntervalMs: 60_000,
    nonRetryableErrors: [],
  },
  startToCloseMs: 60_000,
  heartbeatTimeoutMs: 10_000,
};

async function twoClaimedTasks(journal: Journal) {
  await journal.startRun({ namespace: "ns", workflowName: "wf", versionHash: "h", input: null });
  const [claim] = await journal.claimRuns({ owner: "e", limit: 1, leaseMs: 60_000 });
  await journal.commitStep({
    lease: claim!.lease,
    lastSeq: 1,
    delivered: [],
    events: [],
    tasks: ["a", "b"].map((name) => ({
      identity: `activity:${name}#0`,
      activityName: name,
      args: [],
      options,
    })),
    timers: [],
    cancelTimers: [],
    run: { status: "running" },
  });
  const claims = await journal.claimTasks({ owner: "w", limit: 10 });
  return [claims.find((c) => c.activityName === "a")!, claims.find((c) => c.activityName === "b")!] as const;
}

describe("heartbeatTasks under lock contention (real server only)", () => {
  it("a batch waits for a task row being finished, then refuses that attempt and records the others", async () => {
    await emptyJournal(db);
    const journal = createSqlJournal(db, { notifier: silent });
    const [a, b] = await twoClaimedTasks(journal);
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      // Another transaction holds task a's row, as a finishTask in progress does.
      await other.query("BEGIN");
      await other.query("SELECT 1 FROM continuum.tasks WHERE task_id = $1 FOR UPDATE", [a.taskId]);
      const batch = journal.heartbeatTasks([
        { claim: a, details: "a" },
        { claim: b, details: "b" },
      ]);
      // Wait until the batch's statement is blocked on that row lock. Asked outside `other`'s
      // transaction: inside one, pg_stat_activity is a snapshot taken at its first read.
      for (;;) {
        const waiting = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%heartbeat_details = CASE%'`.execute(
          db,
        );
        if ((waiting.rows[0]?.n ?? 0) > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await other.query(
        "UPDATE continuum.tasks SET status = 'completed', attempt_token = NULL, deadline = NULL WHERE task_id = $1",
        [a.taskId],
      );
      await other.query("COMMIT");
      const { refused } = await batch;
      expect(refused).toEqual([a]);
    } finally {
      await other.end();
    }
    const rows = await sql<{ task_id: string; heartbeat_details: unknown; beat: boolean }>`
      SELECT task_id::text AS task_id, heartbeat_details, heartbeat_at IS NOT NULL AS beat
      FROM continuum.tasks ORDER BY activity_name`.execute(db);
    expect(rows.rows).toEqual([
      { task_id: a.taskId, heartbeat_details: null, beat: false },
      { task_id: b.taskId, heartbeat_details: "b", beat: true },
    ]);
  });
});
