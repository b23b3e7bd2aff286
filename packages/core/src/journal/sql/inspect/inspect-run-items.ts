import { sql } from "kysely";
import type { EffectIdentity, Encoded, SerializedError } from "../../../model/index.ts";
import type {
  HistoryPage,
  HistoryPageRequest,
  InboxRecord,
  TaskRecord,
  TaskStatus,
  TimerRecord,
} from "../../journal-inspector.ts";
import { historyPageLimit } from "../../inspector-limits.ts";
import { toHistoryEvent, toInboxItem, type EventRow, type InboxRow } from "../rows.ts";
import { terminalList, toMs, type SqlExecutor } from "../sql-fragments.ts";
import { withInProcessTasks } from "../../in-process-attempts.ts";

// Locking: read-only single statements, no locks. Each reads one run's rows through an index
// that starts with run_id (events_pkey in the run's partition, tasks_run_id_identity_key,
// timers_pkey, inbox_run_idx), so its cost does not depend on the size of the journal.

/** One page of a run's history: limit + 1 rows tell whether another page follows. */
export async function inspectHistoryPage(
  db: SqlExecutor,
  runId: string,
  request: HistoryPageRequest = {},
): Promise<HistoryPage> {
  const afterSeq = Math.max(0, Math.trunc(request.afterSeq ?? 0));
  const limit = historyPageLimit(request.limit);
  const result = await sql<EventRow>`
    SELECT e.seq, e.kind, e.body, e.at FROM continuum.events e
    WHERE e.run_id = ${runId} AND e.seq > ${afterSeq}
      AND e.history_month = (SELECT history_month FROM continuum.runs WHERE run_id = ${runId})
    ORDER BY e.seq
    LIMIT ${limit + 1}`.execute(db);
  const events = result.rows.slice(0, limit).map(toHistoryEvent);
  const last = events.at(-1);
  return { events, ...(result.rows.length > limit && last !== undefined ? { nextAfterSeq: last.seq } : {}) };
}

interface TaskRow {
  task_id: string;
  run_id: string;
  identity: EffectIdentity;
  activity_name: string;
  status: TaskStatus;
  args: Encoded;
  attempt: number;
  max_attempts: number;
  last_error: SerializedError | null;
  heartbeat_details: Encoded | null;
  heartbeat_at: Date | null;
  created_at: Date;
  attempt_started_at: Date | null;
  available_at: Date;
  finished_at: Date | null;
  detached: boolean;
  queue_name: string | null;
}

/** A run's tasks in the order they were scheduled (a step's tasks by identity). */
export async function inspectTasks(db: SqlExecutor, runId: string): Promise<TaskRecord[]> {
  const result = await sql<TaskRow>`
    SELECT task_id::text AS task_id, run_id, identity, activity_name, status, args, attempt, max_attempts,
      last_error, heartbeat_details, heartbeat_at, created_at, attempt_started_at, available_at, finished_at, detached, queue_name
    FROM continuum.tasks WHERE run_id = ${runId}
    ORDER BY created_at, identity COLLATE "C"`.execute(db);
  const rows: TaskRecord[] = result.rows.map((row) => ({
    taskId: row.task_id,
    runId: row.run_id,
    identity: row.identity,
    activityName: row.activity_name,
    status: row.status,
    args: row.args,
    attempt: Number(row.attempt),
    maxAttempts: Number(row.max_attempts),
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    ...(row.heartbeat_details === null ? {} : { heartbeatDetails: row.heartbeat_details }),
    ...(row.heartbeat_at === null ? {} : { heartbeatAt: toMs(row.heartbeat_at) }),
    scheduledAt: toMs(row.created_at),
    ...(row.attempt_started_at === null ? {} : { attemptStartedAt: toMs(row.attempt_started_at) }),
    ...(row.status === "pending" || row.status === "running" ? { dueAt: toMs(row.available_at) } : {}),
    ...(row.finished_at === null ? {} : { finishedAt: toMs(row.finished_at) }),
    detached: row.detached,
    ...(row.queue_name === null ? {} : { queue: row.queue_name }),
  }));
  // Calls without a row (in-process attempts) are read from the run's activity events.
  const calls = await sql<EventRow & { open: boolean }>`
    SELECT e.seq, e.kind, e.body, e.at, r.status NOT IN ${terminalList} AS open
    FROM continuum.runs AS r JOIN continuum.events AS e ON e.run_id = r.run_id AND e.history_month = r.history_month
    WHERE r.run_id = ${runId} AND e.kind IN ('activity_scheduled', 'activity_completed', 'activity_failed')
    ORDER BY e.seq`.execute(db);
  const open = calls.rows[0]?.open ?? false;
  return withInProcessTasks(runId, rows, calls.rows.map(toHistoryEvent), open);
}

/** A run's pending timers, earliest first. */
export async function inspectTimers(db: SqlExecutor, runId: string): Promise<TimerRecord[]> {
  const result = await sql<{ run_id: string; identity: string; fire_at: Date; created_at: Date }>`
    SELECT run_id, identity, fire_at, created_at FROM continuum.timers WHERE run_id = ${runId}
    ORDER BY fire_at, created_at, identity COLLATE "C"`.execute(db);
  return result.rows.map((row) => ({
    runId: row.run_id,
    identity: row.identity,
    fireAt: toMs(row.fire_at),
    createdAt: toMs(row.created_at),
  }));
}

/** A run's undelivered inbox items, in inbox order. */
export async function inspectInbox(db: SqlExecutor, runId: string): Promise<InboxRecord[]> {
  const result = await sql<InboxRow>`
    SELECT id, run_id, kind, body, received_at FROM continuum.inbox WHERE run_id = ${runId} ORDER BY id`.execute(
    db,
  );
  return result.rows.map(toInboxItem);
}
