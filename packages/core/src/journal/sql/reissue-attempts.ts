import { sql } from "./sql-template.ts";
import { LeaseLostError } from "../../errors/index.ts";
import { NotifyTopic } from "../notifier.ts";
import type { ReissueAttemptsRequest } from "../journal.ts";
import { identityArray } from "./in-process-calls.ts";
import { channelOf, dbNow, json, type SqlExecutor } from "./sql-fragments.ts";

/**
 * reissueAttempts: the in-process attempts of a run whose engine no longer runs them (it died,
 * or lost the run) get task rows as attempts 1 abandoned now (`running`, deadline now), so
 * that `claimTasks` re-claims them at once as attempt 2, or fails a task whose only attempt
 * that was, exactly as for a dead engine's expired attempt. The run's list keeps just the calls
 * of `keep` it still lists.
 *
 * Locking: one statement under the claimer's run row lock (the UPDATE's fencing check); a call
 * that has a row already is left as it is (ON CONFLICT on (run_id, identity)).
 */
export async function reissueAttempts(db: SqlExecutor, request: ReissueAttemptsRequest): Promise<number> {
  const { lease } = request;
  const rows = request.tasks.map(
    (t) =>
      sql`(${t.identity}::text, ${t.activityName}::text, ${json(t.args)}, ${json(t.options)}, ${t.options.retry.maxAttempts}::int, ${t.options.queue ?? null}::text)`,
  );
  const insert =
    rows.length === 0
      ? sql`SELECT NULL::text AS task_id WHERE false`
      : sql`INSERT INTO continuum.tasks (run_id, identity, activity_name, args, options, max_attempts, status, attempt,
                                       attempt_token, owner, attempt_started_at, deadline, available_at, created_at,
                                       updated_at, detached, queue_name)
            SELECT held.run_id, v.identity, v.activity_name, v.args, v.options, v.max_attempts, 'running', 1,
                   gen_random_uuid(), NULL, ${dbNow}, ${dbNow}, ${dbNow}, ${dbNow}, ${dbNow}, false, v.queue_name
            FROM held, (VALUES ${sql.join(rows)}) AS v(identity, activity_name, args, options, max_attempts, queue_name)
            ON CONFLICT (run_id, identity) DO NOTHING
            RETURNING task_id::text AS task_id`;
  // The list keeps those of `keep` it still holds: one persisted since `keep` was read is off it.
  const kept = sql`(SELECT array_agg(c) FROM unnest(in_process_calls) AS c WHERE c = ANY (${identityArray(request.keep)}))`;
  const written = await sql<{ fenced: number; written: number; hints: number }>`
    WITH held AS (
      UPDATE continuum.runs SET in_process_calls = ${kept}, has_in_process = ${kept} IS NOT NULL
      WHERE run_id = ${lease.runId} AND fencing_token = ${lease.fencingToken} AND lease_owner = ${lease.owner}
      RETURNING run_id
    ),
    reissued AS (${insert}),
    hints AS (SELECT pg_notify(${channelOf(NotifyTopic.taskReady)}, task_id) FROM reissued)
    SELECT (SELECT count(*) FROM held)::int AS fenced, (SELECT count(*) FROM reissued)::int AS written,
           (SELECT count(*) FROM hints)::int AS hints`.execute(db);
  const row = written.rows[0];
  if (row === undefined || Number(row.fenced) === 0)
    throw new LeaseLostError(lease.runId, lease.fencingToken);
  return Number(row.written);
}
