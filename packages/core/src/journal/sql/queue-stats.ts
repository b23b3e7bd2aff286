import { sql } from "kysely";
import type { QueueStats } from "../journal.ts";
import { dbNow, toMs, type SqlExecutor } from "./sql-fragments.ts";

/**
 * queueStats: counts what waits, in one read-only statement.
 *
 * Locking: none (plain reads under MVCC; the counts are a snapshot, exact for that instant).
 * Due tasks are counted through tasks_due_plain_idx and tasks_queue_idx (partial indexes over
 * unfinished tasks without and with a queue, migration 0021), running ones through
 * tasks_running_idx, ready runs through runs_ready_idx (ready runs only), so the cost follows the
 * backlog, not the history.
 */
export async function queueStats(db: SqlExecutor): Promise<QueueStats> {
  const result = await sql<{
    now: Date;
    due_tasks: string | number;
    oldest_due: Date | null;
    running_tasks: string | number;
    ready_runs: string | number;
  }>`
    SELECT ${dbNow} AS now,
      (SELECT count(*) FROM continuum.tasks
        WHERE queue_name IS NULL AND status IN ('pending', 'running') AND available_at <= ${dbNow})
      + (SELECT count(*) FROM continuum.tasks
        WHERE queue_name IS NOT NULL AND status IN ('pending', 'running') AND available_at <= ${dbNow}) AS due_tasks,
      LEAST((SELECT min(available_at) FROM continuum.tasks
        WHERE queue_name IS NULL AND status IN ('pending', 'running') AND available_at <= ${dbNow}),
      (SELECT min(available_at) FROM continuum.tasks
        WHERE queue_name IS NOT NULL AND status IN ('pending', 'running') AND available_at <= ${dbNow})) AS oldest_due,
      (SELECT count(*) FROM continuum.tasks WHERE status = 'running' AND available_at > ${dbNow}) AS running_tasks,
      (SELECT count(*) FROM continuum.runs
        WHERE ready_since IS NOT NULL
          AND (lease_owner IS NULL OR lease_expires_at <= ${dbNow})
          AND (not_before IS NULL OR not_before <= ${dbNow})) AS ready_runs`.execute(db);
  const row = result.rows[0];
  if (row === undefined) throw new Error("queueStats: the statement returned no row");
  return {
    now: toMs(row.now),
    dueTasks: Number(row.due_tasks),
    ...(row.oldest_due === null ? {} : { oldestDueTaskAt: toMs(row.oldest_due) }),
    runningTasks: Number(row.running_tasks),
    readyRuns: Number(row.ready_runs),
  };
}
