import { sql } from "./sql-template.ts";
import type { PersistAttemptsRequest } from "../journal.ts";
import { dbNow, dbNowPlus, fromEpochMs, json, terminalList, type SqlExecutor } from "./sql-fragments.ts";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * persistAttempts: gives in-process attempts (`NewTask.inProcess`) their task rows, as running
 * attempts of `owner` with their own ids, tokens and deadlines, and takes their calls off their
 * runs' lists. Only a call its run still lists, in a run that `owner` holds (or nobody does) and
 * that is open, is written: a call finished by a step, persisted before or re-issued by an
 * engine that took the run over is no longer this attempt's. A row this attempt already has
 * (same task id and token: an earlier call whose answer was lost) counts as written.
 *
 * Locking: one statement. The runs' rows are locked first (FOR NO KEY UPDATE: a concurrent claim
 * skips them for its round, a step or re-issue of the same run waits), the owner and the list
 * are read from the locked rows, then the task rows are inserted and the lists updated for the
 * calls actually inserted.
 */
export async function persistAttempts(db: SqlExecutor, request: PersistAttemptsRequest): Promise<string[]> {
  const attempts = request.attempts.filter(
    (a) => a.inProcess === true && uuidPattern.test(a.taskId) && uuidPattern.test(a.attemptToken),
  );
  if (attempts.length === 0) return [];
  const deadline = (ms: number) =>
    request.attemptLeaseMs === undefined
      ? fromEpochMs(ms)
      : sql`LEAST(${fromEpochMs(ms)}, ${dbNowPlus("attemptLeaseMs", request.attemptLeaseMs)})`;
  const rows = attempts.map(
    (a) =>
      sql`(${a.taskId}::uuid, ${a.runId}::text, ${a.identity}::text, ${a.activityName}::text, ${json(a.args)}, ${json(a.options)},
           ${a.options.retry.maxAttempts}::int, ${a.attemptToken}::uuid, ${deadline(a.deadline)})`,
  );
  const written = await sql<{ task_id: string }>`
    WITH listed (task_id, run_id, identity, activity_name, args, options, max_attempts, token, deadline) AS (
      VALUES ${sql.join(rows)}
    ),
    held AS (
      SELECT r.run_id, r.in_process_calls FROM continuum.runs AS r
      WHERE r.run_id IN (SELECT run_id FROM listed)
        AND (r.lease_owner = ${request.owner} OR r.lease_owner IS NULL) AND r.status NOT IN ${terminalList}
      FOR NO KEY UPDATE
    ),
    inserted AS (
      INSERT INTO continuum.tasks (task_id, run_id, identity, activity_name, args, options, max_attempts,
                                   status, attempt, attempt_token, owner, attempt_started_at, deadline, available_at,
                                   created_at, updated_at, detached, queue_name)
      SELECT v.task_id, v.run_id, v.identity, v.activity_name, v.args, v.options, v.max_attempts,
             'running', 1, v.token, ${request.owner}, ${dbNow}, v.deadline, v.deadline, ${dbNow}, ${dbNow}, false, NULL
      FROM listed AS v JOIN held AS h ON h.run_id = v.run_id
      WHERE v.identity = ANY (h.in_process_calls)
      ON CONFLICT (run_id, identity) DO NOTHING
      RETURNING task_id::text AS task_id, run_id, identity
    ),
    unlisted AS (
      UPDATE continuum.runs AS r SET
        in_process_calls = (SELECT array_agg(c) FROM unnest(r.in_process_calls) AS c WHERE c <> ALL (i.calls)),
        has_in_process = EXISTS (SELECT 1 FROM unnest(r.in_process_calls) AS c WHERE c <> ALL (i.calls))
      FROM (SELECT run_id, array_agg(identity) AS calls FROM inserted GROUP BY run_id) AS i
      WHERE r.run_id = i.run_id
    )
    SELECT task_id FROM inserted
    UNION
    -- Written by an earlier call whose answer was lost on the way back: the same row again.
    SELECT t.task_id::text FROM continuum.tasks AS t JOIN listed AS v ON t.task_id = v.task_id AND t.attempt_token = v.token`.execute(
    db,
  );
  return written.rows.map((row) => row.task_id);
}
