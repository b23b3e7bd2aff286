import { sql } from "./sql-template.ts";
import { StaleAttemptError } from "../../errors/index.ts";
import type { Encoded } from "../../model/index.ts";
import { attemptKey, coalesceHeartbeats } from "../coalesce-heartbeats.ts";
import type {
  HeartbeatTasksOptions,
  HeartbeatTasksResult,
  TaskAttemptRef,
  TaskHeartbeat,
} from "../journal.ts";
import { dbNow, dbNowPlus, json, plusOptionMs, terminalList, type SqlExecutor } from "./sql-fragments.ts";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * heartbeatTasks: one engine's heartbeat flush, in one statement whatever the number of
 * attempts: an UPDATE joined to the list (VALUES) that moves each current attempt's heartbeat
 * deadline (the start-to-close deadline stays) and stores its details when given; the rows it
 * returns are the attempts accepted, every other listed one is refused.
 *
 * Fencing: an attempt is current when its token and number match and its deadline has not
 * passed by the database clock, the same test as finishTask's.
 *
 * Locking: the UPDATE takes the listed task rows only. A row locked by a finishTask or a claim
 * in progress is waited for and re-checked once that commits (READ COMMITTED re-evaluates the
 * WHERE on the new version), so a heartbeat racing the attempt's end is refused, never applied
 * to the next attempt. No other writer waits on a task row while holding another task row
 * (claims and the step commit's task closes use SKIP LOCKED, finishTask locks one task row),
 * and an engine sends one flush at a time, so two batches cannot deadlock.
 */
export async function heartbeatTasks(
  db: SqlExecutor,
  heartbeats: readonly TaskHeartbeat[],
  options: HeartbeatTasksOptions = {},
): Promise<HeartbeatTasksResult> {
  const beats = coalesceHeartbeats(heartbeats);
  // A malformed id cannot match a row; refusing it here keeps a ::uuid cast from failing the batch.
  const refused = beats.filter((b) => !wellFormed(b.claim)).map((b) => b.claim);
  const listed = beats.filter((b) => wellFormed(b.claim));
  if (listed.length === 0) return { refused };
  const values = listed.map(
    ({ claim, details, renew }) =>
      sql`(${claim.taskId}::uuid, ${claim.attempt}::int, ${claim.attemptToken}::uuid, ${details === undefined || renew === true ? sql`NULL::json` : json(details)}, ${details !== undefined && renew !== true}::boolean, ${renew !== true}::boolean)`,
  );
  const closeBy = plusOptionMs(sql`t.attempt_started_at`, "startToCloseMs");
  // A heartbeat moves the heartbeat deadline; a renewal keeps the one the last heartbeat set.
  const beatBy = plusOptionMs(
    sql`CASE WHEN b.beat THEN ${dbNow} ELSE COALESCE(t.heartbeat_at, t.attempt_started_at) END`,
    "heartbeatTimeoutMs",
  );
  const leaseBy =
    options.attemptLeaseMs === undefined
      ? sql`NULL::timestamptz`
      : dbNowPlus("attemptLeaseMs", options.attemptLeaseMs);
  const accepted = await sql<TaskAttemptRef & { withdrawn: boolean }>`
    UPDATE continuum.tasks AS t SET
      heartbeat_at = CASE WHEN b.beat THEN ${dbNow} ELSE t.heartbeat_at END,
      heartbeat_details = CASE WHEN b.has_details THEN b.details ELSE t.heartbeat_details END,
      deadline = LEAST(${closeBy}, ${beatBy}, ${leaseBy}),
      available_at = LEAST(${closeBy}, ${beatBy}, ${leaseBy}),
      updated_at = ${dbNow}
    FROM (VALUES ${sql.join(values)}) AS b(task_id, attempt, token, details, has_details, beat)
    WHERE t.task_id = b.task_id AND t.status = 'running' AND t.attempt = b.attempt
      AND t.attempt_token = b.token AND t.deadline > ${dbNow}
    RETURNING t.task_id::text AS "taskId", t.attempt, t.attempt_token::text AS "attemptToken",
      (t.cancel_requested OR (NOT t.detached AND EXISTS (
        SELECT 1 FROM continuum.runs r WHERE r.run_id = t.run_id AND r.status IN ${terminalList}))) AS withdrawn`.execute(
    db,
  );
  const ok = new Set(accepted.rows.map((row) => attemptKey({ ...row, attempt: Number(row.attempt) })));
  for (const { claim } of listed) if (!ok.has(attemptKey(claim))) refused.push(claim);
  const withdrawn = accepted.rows
    .filter((row) => row.withdrawn)
    .map((row) => ({ taskId: row.taskId, attempt: Number(row.attempt), attemptToken: row.attemptToken }));
  return withdrawn.length === 0 ? { refused } : { refused, withdrawn };
}

/**
 * heartbeatTask: a batch of one (see {@link heartbeatTasks}); throws StaleAttemptError when the
 * attempt is not current.
 */
export async function heartbeatTask(
  db: SqlExecutor,
  claim: TaskAttemptRef,
  details?: Encoded,
): Promise<void> {
  const { refused } = await heartbeatTasks(db, [details === undefined ? { claim } : { claim, details }]);
  if (refused.length > 0) throw new StaleAttemptError(claim.taskId, claim.attempt);
}

function wellFormed(claim: TaskAttemptRef): boolean {
  return uuidPattern.test(claim.taskId) && uuidPattern.test(claim.attemptToken);
}
