import { sql } from "kysely";
import { ScheduleNotFoundError } from "../../errors/schedule-errors.ts";
import { isTerminal } from "../../model/run-status.ts";
import {
  fireBackfill,
  fireDue,
  fireNow,
  type ScheduleFiringOps,
  type ScheduleState,
} from "../schedule-firing.ts";
import type {
  FireDueSchedulesRequest,
  FireScheduleRequest,
  ScheduleFireResult,
  ScheduleRecord,
} from "../schedule-types.ts";
import { getRun, getRunByWorkflowId, journalNow } from "./run-queries.ts";
import { instantOrNull, lockSchedule, toScheduleRecord, type ScheduleRow } from "./schedules.ts";
import { requestCancel } from "./send-signal.ts";
import { dbNow, inTransaction, type SqlExecutor } from "./sql-fragments.ts";
import { startRun } from "./start-run.ts";

/**
 * fireDueSchedules: one transaction per due schedule. Each takes one due row with FOR UPDATE
 * SKIP LOCKED (schedules_due_idx, or schedules_buffered_idx for a held buffer_one fire), so
 * engines polling together split the due schedules and none waits on another; under that lock
 * it starts the fires' runs (startRun in the same transaction: deterministic workflow ids with
 * reuse policy `reject`, so even a fire replayed after a lost commit cannot start a second run)
 * and writes the schedule's next fire time. The run rows and the schedule's new state commit
 * together or not at all: a crash between leaves the fire due, and the next engine fires it.
 */
export async function fireDueSchedules(
  db: SqlExecutor,
  request: FireDueSchedulesRequest,
): Promise<ScheduleFireResult> {
  const total: ScheduleFireResult = { fired: [], skipped: [] };
  // Engines call this every round that something came due, and test drivers every round: one
  // lock-free statement (schedules_due_idx / schedules_buffered_idx) before any transaction.
  if (request.limit <= 0 || !(await anyDue(db, request.namespace))) return total;
  const done: [string, string][] = [];
  for (let round = 0; round < request.limit; round++) {
    const handled = await inTransaction(db, async (tx) => {
      const schedule = await lockDueSchedule(tx, request.namespace, done);
      if (schedule === undefined) return false;
      done.push([schedule.namespace, schedule.name]);
      const now = await journalNow(tx);
      const { result, state } = await fireDue(schedule, firingOps(tx, now));
      await saveState(tx, schedule, state);
      total.fired.push(...result.fired);
      total.skipped.push(...result.skipped);
      return true;
    });
    if (!handled) break;
  }
  return total;
}

/** Whether any schedule is due (or holds a buffered fire), without locking anything. */
async function anyDue(db: SqlExecutor, namespace: string | undefined): Promise<boolean> {
  const byNamespace = namespace === undefined ? sql`` : sql`AND namespace = ${namespace}`;
  const found = await sql<{ due: boolean }>`
    SELECT (EXISTS (SELECT 1 FROM continuum.schedules WHERE NOT paused AND next_fire_at <= ${dbNow} ${byNamespace})
      OR EXISTS (SELECT 1 FROM continuum.schedules WHERE NOT paused AND buffered_fire_at IS NOT NULL ${byNamespace})) AS due`.execute(
    db,
  );
  return found.rows[0]?.due === true;
}

/** The earliest due schedule nobody holds, locked; `done` are the ones this call handled already. */
async function lockDueSchedule(
  tx: SqlExecutor,
  namespace: string | undefined,
  done: readonly (readonly [string, string])[],
): Promise<ScheduleRecord | undefined> {
  const byNamespace = namespace === undefined ? sql`` : sql`AND namespace = ${namespace}`;
  const notDone =
    done.length === 0
      ? sql``
      : sql`AND (namespace, name) NOT IN (${sql.join(done.map(([ns, name]) => sql`(${ns}::text, ${name}::text)`))})`;
  const found = await sql<ScheduleRow>`
    SELECT * FROM continuum.schedules
    WHERE NOT paused AND ((next_fire_at IS NOT NULL AND next_fire_at <= ${dbNow}) OR buffered_fire_at IS NOT NULL)
      ${byNamespace} ${notDone}
    ORDER BY next_fire_at NULLS LAST
    LIMIT 1
    FOR UPDATE SKIP LOCKED`.execute(tx);
  const row = found.rows[0];
  return row === undefined ? undefined : toScheduleRecord(row);
}

/** fireSchedule (trigger / backfill): under the schedule's row lock, waiting for a firing engine. */
export async function fireSchedule(
  db: SqlExecutor,
  request: FireScheduleRequest,
): Promise<ScheduleFireResult> {
  return inTransaction(db, async (tx) => {
    const schedule = await lockSchedule(tx, request.namespace, request.name);
    if (schedule === undefined) throw new ScheduleNotFoundError(request.namespace, request.name);
    const now = await journalNow(tx);
    const ops = firingOps(tx, now);
    const { result, state } =
      request.kind === "trigger"
        ? await fireNow(schedule, ops)
        : await fireBackfill(schedule, ops, request.fromMs, request.toMs);
    await saveState(tx, schedule, state);
    return result;
  });
}

function firingOps(tx: SqlExecutor, now: number): ScheduleFiringOps {
  return {
    now,
    // The previous run's chain: a run that continued as new is still open in its successor.
    isRunOpen: async (runId) => {
      const run = await getRun(tx, runId);
      if (run === undefined) return false;
      const latest = await getRunByWorkflowId(tx, run.namespace, run.workflowId);
      return latest !== undefined && !isTerminal(latest.status);
    },
    startRun: (request) => startRun(tx, request),
    cancelRun: async (runId, reason) => {
      const run = await getRun(tx, runId);
      const latest = run && (await getRunByWorkflowId(tx, run.namespace, run.workflowId));
      if (latest !== undefined && !isTerminal(latest.status)) await requestCancel(tx, latest.runId, reason);
    },
  };
}

/** Writes a firing call's state back to the (locked) schedule row. */
async function saveState(tx: SqlExecutor, schedule: ScheduleRecord, state: ScheduleState): Promise<void> {
  await sql`
    UPDATE continuum.schedules SET
      next_fire_at = ${instantOrNull(state.nextFireAt)}, buffered_fire_at = ${instantOrNull(state.bufferedFireAt)},
      last_fire_at = ${instantOrNull(state.lastFireAt)}, last_run_id = ${state.lastRunId ?? null},
      fired_count = ${state.firedCount}, skipped_count = ${state.skippedCount},
      last_skipped_at = ${instantOrNull(state.lastSkippedAt)}, last_skip_reason = ${state.lastSkipReason ?? null},
      updated_at = ${dbNow}
    WHERE namespace = ${schedule.namespace} AND name = ${schedule.name}`.execute(tx);
}
