import { sql } from "kysely";
import type { RunDetailRecord } from "../../journal-inspector.ts";
import { runColumns, toRunRecord, type RunRow } from "../rows.ts";
import { toMsOrUndefined, type SqlExecutor } from "../sql-fragments.ts";

// Locking: one read-only statement, no locks. Each subquery is an index lookup by run id:
// timers_pkey, tasks_run_id_identity_key, inbox_run_idx, runs_parent_idx; the predecessor is
// the row's own continued_from.

interface DetailRow extends RunRow {
  continued_from: string | null;
  ready_since: string | number | null;
  not_before: Date | null;
  next_timer: Date | null;
  next_retry: Date | null;
  pending_timers: string | number;
  open_tasks: string | number;
  pending_inbox: string | number;
  children: string | number;
}

/** One run with its lineage, wake-up state and the sizes of what hangs off it. */
export async function inspectRunDetail(db: SqlExecutor, runId: string): Promise<RunDetailRecord | undefined> {
  const result = await sql<DetailRow>`
    SELECT ${runColumns}, r.continued_from, r.ready_since, r.not_before,
      (SELECT min(t.fire_at) FROM continuum.timers t WHERE t.run_id = r.run_id) AS next_timer,
      (SELECT min(k.available_at) FROM continuum.tasks k WHERE k.run_id = r.run_id AND k.status = 'pending' AND k.attempt > 0) AS next_retry,
      (SELECT count(*) FROM continuum.timers t WHERE t.run_id = r.run_id) AS pending_timers,
      (SELECT count(*) FROM continuum.tasks k WHERE k.run_id = r.run_id AND k.status IN ('pending', 'running')) AS open_tasks,
      (SELECT count(*) FROM continuum.inbox i WHERE i.run_id = r.run_id) AS pending_inbox,
      (SELECT count(*) FROM continuum.runs c WHERE c.parent_run_id = r.run_id) AS children
    FROM continuum.runs r WHERE r.run_id = ${runId}`.execute(db);
  const row = result.rows[0];
  if (row === undefined) return undefined;
  const run = toRunRecord(row);
  const terminal = ["completed", "failed", "cancelled", "continued"].includes(row.status);
  const wake = [toMsOrUndefined(row.next_timer), toMsOrUndefined(row.next_retry)].filter(
    (ms): ms is number => ms !== undefined,
  );
  const notBefore = toMsOrUndefined(row.not_before);
  return {
    run,
    ...(row.continued_from === null ? {} : { continuedFrom: row.continued_from }),
    ready: row.ready_since !== null,
    ...(notBefore === undefined || terminal ? {} : { notBefore }),
    ...(wake.length === 0 ? {} : { nextWakeAt: Math.min(...wake) }),
    pendingTimers: Number(row.pending_timers),
    openTasks: Number(row.open_tasks),
    pendingInbox: Number(row.pending_inbox),
    children: Number(row.children),
  };
}
