import { sql } from "./sql-template.ts";
import type { PersistAttemptsRequest } from "../journal.ts";
import { dbNow, dbNowPlus, fromEpochMs, json, terminalList, type SqlExecutor } from "./sql-fragments.ts";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * persistAttempts: gives in-process attempts (`NewTask.inProcess`) their task rows, as running
 * attempts of `owner` with their own ids, tokens and deadlines, and takes them off their runs'
 * in-process counts. A run that another engine holds now (it took the run over and re-issued
 * the attempts) or that ended gets nothing: its attempts are no longer this engine's.
 *
 * Locking: one statement. The UPDATE of the runs' rows comes first and takes their row locks
 * (READ COMMITTED re-checks the owner on the newest row version), so a concurrent claim either
 * commits before it (the owner changed: nothing written here) or waits until this commits and
 * then sees the rows (its re-issue skips them: ON CONFLICT on (run_id, identity)). The rows are
 * inserted only for runs the update matched.
 */
export async function persistAttempts(db: SqlExecutor, request: PersistAttemptsRequest): Promise<string[]> {
  const attempts = request.attempts.filter(
    (a) => a.inProcess === true && uuidPattern.test(a.taskId) && uuidPattern.test(a.attemptToken),
  );
  if (attempts.length === 0) return [];
  const counts = new Map<string, number>();
  for (const a of attempts) counts.set(a.runId, (counts.get(a.runId) ?? 0) + 1);
  const deadline = (ms: number) =>
    request.attemptLeaseMs === undefined
      ? fromEpochMs(ms)
      : sql`LEAST(${fromEpochMs(ms)}, ${dbNowPlus("attemptLeaseMs", request.attemptLeaseMs)})`;
  const rows = attempts.map(
    (a) =>
      sql`(${a.taskId}::uuid, ${a.runId}::text, ${a.identity}::text, ${a.activityName}::text, ${json(a.args)}, ${json(a.options)},
           ${a.options.retry.maxAttempts}::int, ${a.attemptToken}::uuid, ${deadline(a.deadline)})`,
  );
  const runs = [...counts].map(([runId, n]) => sql`(${runId}::text, ${n}::int)`);
  const written = await sql<{ task_id: string }>`
    WITH counted (run_id, n) AS (VALUES ${sql.join(runs)}),
    held AS (
      UPDATE continuum.runs AS r SET in_process_attempts = GREATEST(0, r.in_process_attempts - c.n)
      FROM counted AS c
      WHERE r.run_id = c.run_id AND (r.lease_owner = ${request.owner} OR r.lease_owner IS NULL)
        AND r.status NOT IN ${terminalList}
      RETURNING r.run_id
    )
    INSERT INTO continuum.tasks (task_id, run_id, identity, activity_name, args, options, max_attempts,
                                 status, attempt, attempt_token, owner, attempt_started_at, deadline, available_at,
                                 created_at, updated_at, detached, queue_name)
    SELECT v.task_id, v.run_id, v.identity, v.activity_name, v.args, v.options, v.max_attempts,
           'running', 1, v.token, ${request.owner}, ${dbNow}, v.deadline, v.deadline, ${dbNow}, ${dbNow}, false, NULL
    FROM (VALUES ${sql.join(rows)}) AS v(task_id, run_id, identity, activity_name, args, options, max_attempts, token, deadline)
    WHERE v.run_id IN (SELECT run_id FROM held)
    ON CONFLICT (run_id, identity) DO NOTHING
    RETURNING task_id::text AS task_id`.execute(db);
  return written.rows.map((row) => row.task_id);
}
