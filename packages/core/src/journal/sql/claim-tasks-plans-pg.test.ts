import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openJournal } from "../open-journal.ts";
import type { Journal } from "../journal.ts";
import { createScratchDatabase, type ScratchDatabase } from "./scratch-database.ts";
import type { SqlExecutor } from "./sql-fragments.ts";

// The plain task claim (claimTasks) next to a throttled activity queue's backlog (PostgreSQL):
// 5,000 due tasks routed to a queue, older than the 5 plain ones. The claim takes only tasks
// with no queue; its scan must not walk the queue's backlog first (migration 0021).

const serverUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const queuedTasks = 5_000;
let database: ScratchDatabase;
let journal: Journal;
let db: SqlExecutor;

beforeAll(async () => {
  database = await createScratchDatabase(serverUrl, "claim_task_plans");
  journal = await openJournal({ url: database.url, migrate: true });
  db = new Kysely({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }),
  });
  await sql`
    INSERT INTO continuum.runs (run_id, namespace, workflow_id, workflow_name, version_hash, status, input,
      chain_id, history_month, created_at, updated_at, attributes)
    VALUES ('r1', 'default', 'r1', 'wf', 'v1', 'running', '{}'::json, 'r1', date_trunc('month', now())::date,
      now(), now(), '{}'::json)`.execute(db);
  await sql`
    INSERT INTO continuum.tasks (run_id, identity, activity_name, args, options, max_attempts, available_at,
      created_at, updated_at, queue_name)
    SELECT 'r1', 'q' || g, 'slow', '[]'::json, '{}'::json, 3, now() - interval '1 hour' + g * interval '1 ms',
      now(), now(), 'throttled'
    FROM generate_series(1, ${queuedTasks}::integer) AS g`.execute(db);
  await sql`
    INSERT INTO continuum.tasks (run_id, identity, activity_name, args, options, max_attempts, available_at,
      created_at, updated_at)
    SELECT 'r1', 'p' || g, 'fast', '[]'::json, '{}'::json, 3, now() - interval '1 minute', now(), now()
    FROM generate_series(1, 5) AS g`.execute(db);
  await sql`ANALYZE continuum.tasks`.execute(db);
}, 120_000);

afterAll(async () => {
  await db?.destroy();
  await journal?.close();
  await database?.drop();
});

/** The plan of claimDue's candidate scan for the plain claim (claim-tasks.ts), as run. */
async function claimPlan(): Promise<string> {
  const result = await sql<{ "QUERY PLAN": string }>`
    EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
    SELECT task_id FROM continuum.tasks
    WHERE status IN ('pending', 'running') AND available_at <= continuum.now()
      AND NOT (status = 'running' AND attempt >= max_attempts)
      AND (detached OR EXISTS (SELECT 1 FROM continuum.runs r WHERE r.run_id = tasks.run_id
        AND r.status NOT IN ('completed', 'failed', 'cancelled', 'continued')))
      AND queue_name IS NULL AND activity_name IN ('fast')
    ORDER BY available_at, created_at, task_id
    LIMIT 32
    FOR UPDATE SKIP LOCKED`.execute(db);
  return result.rows.map((row) => row["QUERY PLAN"]).join("\n");
}

describe("the plain task claim beside a queue's backlog (PostgreSQL)", () => {
  it("claims the plain tasks without reading the queued ones", async () => {
    const plan = await claimPlan();
    expect(plan).toContain("tasks_due_plain_idx");
    // Every row the scan removed by a filter would be a queued task it read for nothing.
    const removed = [...plan.matchAll(/Rows Removed by Filter: (\d+)/g)].map((m) => Number(m[1]));
    expect(Math.max(0, ...removed)).toBeLessThan(queuedTasks / 100);
    expect(plan).toMatch(/LockRows \(actual rows=5 /);
  });

  it("claims a queue's tasks in due order through the queue's index, without a sort", async () => {
    const result = await sql<{ "QUERY PLAN": string }>`
      EXPLAIN (COSTS OFF)
      SELECT task_id FROM continuum.tasks
      WHERE status IN ('pending', 'running') AND available_at <= continuum.now()
        AND queue_name = 'throttled' AND activity_name IN ('slow')
      ORDER BY available_at, created_at, task_id LIMIT 2 FOR UPDATE SKIP LOCKED`.execute(db);
    const plan = result.rows.map((row) => row["QUERY PLAN"]).join("\n");
    expect(plan).toContain("tasks_queue_idx");
    expect(plan).not.toContain("Sort");
  });
});
