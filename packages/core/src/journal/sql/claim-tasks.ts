import { sql, type RawBuilder } from "kysely";
import { serializeError } from "../../codec/error-codec.ts";
import { expiredAttemptError } from "../expired-attempt-error.ts";
import type { EffectIdentity, Encoded, ResolvedActivityOptions, SerializedError } from "../../model/index.ts";
import type { ClaimTasksRequest, TaskClaim } from "../journal.ts";
import { deliverToInbox } from "./deliver-to-inbox.ts";
import {
  inTransaction,
  dbNow,
  dbNowPlus,
  inList,
  json,
  plusOptionMs,
  terminalList,
  type SqlExecutor,
  toMs,
} from "./sql-fragments.ts";

/** The deadline of a running attempt: the earlier of start-to-close and the heartbeat deadline. */
export const attemptDeadlineSql = sql`LEAST(${plusOptionMs(dbNow, "startToCloseMs")}, ${plusOptionMs(dbNow, "heartbeatTimeoutMs")})`;

/** {@link attemptDeadlineSql}, bounded by the engine's attempt lease when it has one. */
function leasedDeadlineSql(attemptLeaseMs: number | undefined): RawBuilder<unknown> {
  return attemptLeaseMs === undefined
    ? attemptDeadlineSql
    : sql`LEAST(${attemptDeadlineSql}, ${dbNowPlus("attemptLeaseMs", attemptLeaseMs)})`;
}

/**
 * claimTasks: starts a new attempt of up to `limit` due tasks.
 *
 * Locking: the candidates are selected FOR UPDATE SKIP LOCKED in due order, so concurrent
 * workers never wait on each other and never get the same task; the UPDATE of the locked rows
 * hands out a fresh attempt token and the deadline, both by the database clock. Before that,
 * running attempts that were the task's last and whose deadline passed are failed (same
 * locking), with an activity_failed item for the run, instead of being claimed again.
 */
export async function claimTasks(db: SqlExecutor, request: ClaimTasksRequest): Promise<TaskClaim[]> {
  const byName =
    request.activityNames === undefined ? sql`` : sql`AND activity_name IN ${inList(request.activityNames)}`;
  return inTransaction(db, async (tx) => {
    await failAbandonedLastAttempts(tx);
    if (request.limit <= 0 || (request.activityNames !== undefined && request.activityNames.length === 0)) {
      await sql`WITH ${dropTasksOfFinishedRuns} SELECT 1`.execute(tx);
      return [];
    }
    // One statement: the housekeeping delete rides along as a CTE (it touches only abandoned
    // attempts of finished runs, which the claim below never takes: it skips finished runs).
    // Tasks routed to a named queue are claimed by claimQueuedTasks only.
    return claimDue(tx, { ...request, filter: sql`AND queue_name IS NULL ${byName}`, housekeeping: true });
  });
}

/**
 * Claims up to `limit` due tasks matching `filter` (a SQL fragment starting with AND): the
 * candidates are locked FOR UPDATE SKIP LOCKED in due order and each gets a new attempt.
 */
export async function claimDue(
  tx: SqlExecutor,
  request: {
    readonly owner: string;
    readonly limit: number;
    readonly attemptLeaseMs?: number;
    readonly filter: RawBuilder<unknown>;
    readonly housekeeping?: boolean;
  },
): Promise<TaskClaim[]> {
  const claimed = await sql<ClaimedRow>`
      ${request.housekeeping === true ? sql`WITH ${dropTasksOfFinishedRuns}` : sql``}
      UPDATE continuum.tasks AS t SET
        status = 'running',
        attempt = t.attempt + 1,
        attempt_token = gen_random_uuid(),
        owner = ${request.owner},
        attempt_started_at = ${dbNow},
        heartbeat_at = NULL,
        deadline = ${leasedDeadlineSql(request.attemptLeaseMs)},
        available_at = ${leasedDeadlineSql(request.attemptLeaseMs)},
        updated_at = ${dbNow}
      FROM (
        SELECT task_id FROM continuum.tasks
        WHERE status IN ('pending', 'running') AND available_at <= ${dbNow}
          AND NOT (status = 'running' AND attempt >= max_attempts)
          AND (detached OR EXISTS (SELECT 1 FROM continuum.runs r WHERE r.run_id = tasks.run_id AND r.status NOT IN ${terminalList}))
          ${request.filter}
        ORDER BY available_at, created_at, task_id
        LIMIT ${request.limit}
        FOR UPDATE SKIP LOCKED
      ) AS candidate
      WHERE t.task_id = candidate.task_id
      RETURNING t.task_id::text AS task_id, t.attempt, t.attempt_token::text AS attempt_token, t.run_id, t.identity,
                t.activity_name, t.args, t.options, t.deadline, t.available_at, t.heartbeat_details,
                t.heartbeat_details IS NOT NULL AS has_details`.execute(tx);
  return claimed.rows.map((row) => ({
    taskId: row.task_id,
    attempt: Number(row.attempt),
    attemptToken: row.attempt_token,
    runId: row.run_id,
    identity: row.identity,
    activityName: row.activity_name,
    args: row.args,
    options: row.options,
    deadline: toMs(row.deadline),
    ...(row.has_details ? { lastHeartbeatDetails: row.heartbeat_details as Encoded } : {}),
  }));
}

interface ClaimedRow {
  task_id: string;
  attempt: number;
  attempt_token: string;
  run_id: string;
  identity: EffectIdentity;
  activity_name: string;
  args: Encoded;
  options: ResolvedActivityOptions;
  deadline: Date;
  /** Kept across attempts: the next attempt resumes from it. */
  heartbeat_details: Encoded | null;
  /** Told apart from the details: the json value `null` is also read back as null. */
  has_details: boolean;
}

/**
 * A finished run's tasks never start again: a cancelled order must not charge the card later.
 * Detached tasks (issued by the step that ended the run) are the exception.
 * commitStep already deleted its waiting tasks; this drops its abandoned attempts (through
 * tasks_running_idx; locked ones are left for the next claim, which skips them anyway).
 * A CTE (`dropped`), so that it runs inside the claiming statement.
 */
const dropTasksOfFinishedRuns = sql`
  dropped AS (
    DELETE FROM continuum.tasks WHERE task_id IN (
      SELECT t.task_id FROM continuum.tasks t JOIN continuum.runs r ON r.run_id = t.run_id
      WHERE t.status = 'running' AND NOT t.detached AND t.available_at <= ${dbNow} AND r.status IN ${terminalList}
      FOR UPDATE OF t SKIP LOCKED)
  )`;

/** Fails running tasks whose last attempt's deadline passed; the run gets activity_failed. */
async function failAbandonedLastAttempts(tx: SqlExecutor): Promise<void> {
  const expired = await sql<ExpiredRow>`
    SELECT task_id::text AS task_id, attempt, run_id, identity, activity_name, options, deadline, attempt_started_at, heartbeat_at
    FROM continuum.tasks
    WHERE status = 'running' AND available_at <= ${dbNow} AND attempt >= max_attempts
    ORDER BY available_at
    FOR UPDATE SKIP LOCKED`.execute(tx);
  if (expired.rows.length === 0) return;
  const failures = expired.rows.map((row) => ({ row, error: timeoutError(row) }));
  await sql`
    UPDATE continuum.tasks AS t SET
      status = 'failed', attempt_token = NULL, deadline = NULL, last_error = f.error,
      finished_at = ${dbNow}, updated_at = ${dbNow}
    FROM (VALUES ${sql.join(failures.map((f) => sql`(${f.row.task_id}::uuid, ${json(f.error)})`))}) AS f(task_id, error)
    WHERE t.task_id = f.task_id`.execute(tx);
  await deliverToInbox(
    tx,
    failures.map(({ row, error }) => ({
      runId: row.run_id,
      event: { kind: "activity_failed", identity: row.identity, error, attempts: Number(row.attempt) },
    })),
  );
}

type ExpiredRow = ClaimedRow & { attempt_started_at: Date; heartbeat_at: Date | null };

function timeoutError(row: ExpiredRow): SerializedError {
  const heartbeatBy =
    row.options.heartbeatTimeoutMs === undefined
      ? undefined
      : toMs(row.heartbeat_at ?? row.attempt_started_at) + row.options.heartbeatTimeoutMs;
  return serializeError(
    expiredAttemptError(
      row.activity_name,
      Number(row.attempt),
      row.options,
      toMs(row.deadline),
      toMs(row.attempt_started_at) + row.options.startToCloseMs,
      heartbeatBy,
    ),
  );
}
