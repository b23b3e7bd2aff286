import { sql } from "kysely";
import type { SqlExecutor } from "../sql-fragments.ts";

// Read-only views of the continuum schema for suites that check "nothing stored changed".

/** Whether the run's first activity attempt has been reported (failed, retried or completed). */
export async function firstAttemptDoneIn(db: SqlExecutor, runId: string): Promise<boolean> {
  const rows = await sql<{ done: boolean }>`
    SELECT EXISTS (SELECT 1 FROM continuum.tasks
                   WHERE run_id = ${runId} AND (last_error IS NOT NULL OR status <> 'running' AND attempt > 0)) AS done`.execute(
    db,
  );
  return rows.rows[0]?.done === true;
}

/** Every row of every table of the continuum schema, as sorted JSON text per table. */
export async function snapshot(db: SqlExecutor): Promise<Record<string, string[]>> {
  const tables = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'continuum' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY 1`.execute(db);
  const out: Record<string, string[]> = {};
  for (const { name } of tables.rows) {
    const rows = await sql<{ row: string }>`SELECT to_jsonb(t)::text AS row FROM ${sql.table(
      `continuum.${name}`,
    )} t`.execute(db);
    out[name] = rows.rows.map((r) => r.row).sort();
  }
  return out;
}

/**
 * Sizes of what is stored: the largest task result and event body anywhere, and a run's attempts
 * (its task rows', or those its history records for calls that ran in-process without a row).
 */
export async function storedSizes(
  db: SqlExecutor,
  runId: string,
): Promise<{ largestTaskResult: number; largestEvent: number; attempts: number | undefined }> {
  const result = await sql<{ task: number | null; event: number | null; attempts: number | null }>`
    SELECT (SELECT max(octet_length(result::text)) FROM continuum.tasks) AS task,
           (SELECT max(octet_length(body::text)) FROM continuum.events) AS event,
           GREATEST(
             (SELECT max(attempt) FROM continuum.tasks WHERE run_id = ${runId}),
             (SELECT max((body->>'attempts')::int) FROM continuum.events
              WHERE run_id = ${runId} AND kind IN ('activity_completed', 'activity_failed'))) AS attempts`.execute(
    db,
  );
  const row = result.rows[0];
  return {
    largestTaskResult: row?.task ?? 0,
    largestEvent: row?.event ?? 0,
    attempts: row?.attempts ?? undefined,
  };
}
