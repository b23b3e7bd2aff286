import { sql } from "kysely";
import { ScheduleAlreadyExistsError, ScheduleNotFoundError } from "../../errors/schedule-errors.ts";
import type { Encoded } from "../../model/index.ts";
import { nextFireAfter } from "../schedule-plan.ts";
import type {
  ScheduleRecord,
  ScheduleSkipReason,
  ScheduleSpec,
  UpsertScheduleRequest,
  UpsertScheduleResult,
} from "../schedule-types.ts";
import {
  fromEpochMs,
  inTransaction,
  json,
  toMs,
  toMsOrUndefined,
  type SqlExecutor,
} from "./sql-fragments.ts";
import { journalNow } from "./run-queries.ts";

/** A row of continuum.schedules as the driver returns it. */
export interface ScheduleRow {
  namespace: string;
  name: string;
  spec: ScheduleSpec | string;
  spec_hash: string;
  workflow_name: string;
  version_hash: string;
  input: Encoded;
  paused: boolean;
  next_fire_at: Date | null;
  buffered_fire_at: Date | null;
  last_fire_at: Date | null;
  last_run_id: string | null;
  fired_count: number | string;
  skipped_count: number | string;
  last_skipped_at: Date | null;
  last_skip_reason: ScheduleSkipReason | null;
  created_at: Date;
  updated_at: Date;
}

/** Maps a schedules row to the port's ScheduleRecord (absent optionals stay absent). */
export function toScheduleRecord(row: ScheduleRow): ScheduleRecord {
  const optional = {
    nextFireAt: toMsOrUndefined(row.next_fire_at),
    bufferedFireAt: toMsOrUndefined(row.buffered_fire_at),
    lastFireAt: toMsOrUndefined(row.last_fire_at),
    lastRunId: row.last_run_id ?? undefined,
    lastSkippedAt: toMsOrUndefined(row.last_skipped_at),
    lastSkipReason: row.last_skip_reason ?? undefined,
  };
  return {
    namespace: row.namespace,
    name: row.name,
    spec: typeof row.spec === "string" ? (JSON.parse(row.spec) as ScheduleSpec) : row.spec,
    specHash: row.spec_hash,
    workflowName: row.workflow_name,
    versionHash: row.version_hash,
    input: row.input,
    paused: row.paused,
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
    firedCount: Number(row.fired_count),
    skippedCount: Number(row.skipped_count),
    createdAt: toMs(row.created_at),
    updatedAt: toMs(row.updated_at),
  };
}

/** An instant as a nullable timestamptz parameter. */
export function instantOrNull(ms: number | undefined): ReturnType<typeof fromEpochMs> | null {
  return ms === undefined ? null : fromEpochMs(ms);
}

/**
 * upsertSchedule. Locking: the schedule's row FOR UPDATE (a firing engine holding it finishes
 * first); a new name is inserted with ON CONFLICT DO NOTHING and re-read, so two engines booting
 * with the same definition create it once.
 */
export async function upsertSchedule(
  db: SqlExecutor,
  request: UpsertScheduleRequest,
): Promise<UpsertScheduleResult> {
  return inTransaction(db, async (tx) => {
    const now = await journalNow(tx);
    const existing = await lockSchedule(tx, request.namespace, request.name);
    if (existing !== undefined && request.mode === "create")
      throw new ScheduleAlreadyExistsError(request.namespace, request.name);
    if (existing === undefined && request.mode === "update")
      throw new ScheduleNotFoundError(request.namespace, request.name);
    if (existing === undefined) {
      const inserted = await sql<ScheduleRow>`
        INSERT INTO continuum.schedules (namespace, name, spec, spec_hash, workflow_name, version_hash, input, paused,
          next_fire_at, created_at, updated_at)
        VALUES (${request.namespace}, ${request.name}, ${json(request.spec)}, ${request.specHash}, ${request.workflowName},
          ${request.versionHash}, ${json(request.input)}, ${request.paused ?? false},
          ${instantOrNull(nextFireAfter(request.spec, now))}, ${fromEpochMs(now)}, ${fromEpochMs(now)})
        ON CONFLICT (namespace, name) DO NOTHING
        RETURNING *`.execute(tx);
      const row = inserted.rows[0];
      if (row !== undefined) return { schedule: toScheduleRecord(row), created: true, updated: false };
      // Another engine created it meanwhile: its definition stands unless ours differs.
      return upsertSchedule(tx, request);
    }
    const changed = existing.specHash !== request.specHash;
    const pausedChange =
      request.mode === "update" && request.paused !== undefined && request.paused !== existing.paused;
    if (!changed && !pausedChange) return { schedule: existing, created: false, updated: false };
    const next = changed ? nextFireAfter(request.spec, now) : existing.nextFireAt;
    const updated = await sql<ScheduleRow>`
      UPDATE continuum.schedules SET spec = ${json(request.spec)}, spec_hash = ${request.specHash},
        workflow_name = ${request.workflowName}, version_hash = ${request.versionHash}, input = ${json(request.input)},
        paused = ${request.paused ?? existing.paused}, next_fire_at = ${instantOrNull(next)}, updated_at = ${fromEpochMs(now)}
      WHERE namespace = ${request.namespace} AND name = ${request.name}
      RETURNING *`.execute(tx);
    return { schedule: toScheduleRecord(updated.rows[0] as ScheduleRow), created: false, updated: true };
  });
}

/** The schedule's row, locked FOR UPDATE until the transaction ends. */
export async function lockSchedule(
  tx: SqlExecutor,
  namespace: string,
  name: string,
): Promise<ScheduleRecord | undefined> {
  const found = await sql<ScheduleRow>`
    SELECT * FROM continuum.schedules WHERE namespace = ${namespace} AND name = ${name} FOR UPDATE`.execute(
    tx,
  );
  const row = found.rows[0];
  return row === undefined ? undefined : toScheduleRecord(row);
}

/** getSchedule: one row by key, no lock. */
export async function getSchedule(
  db: SqlExecutor,
  namespace: string,
  name: string,
): Promise<ScheduleRecord | undefined> {
  const found = await sql<ScheduleRow>`
    SELECT * FROM continuum.schedules WHERE namespace = ${namespace} AND name = ${name}`.execute(db);
  const row = found.rows[0];
  return row === undefined ? undefined : toScheduleRecord(row);
}

/** listSchedules: by namespace then name, no lock. */
export async function listSchedules(db: SqlExecutor, namespace?: string): Promise<ScheduleRecord[]> {
  const where = namespace === undefined ? sql`` : sql`WHERE namespace = ${namespace}`;
  const found = await sql<ScheduleRow>`
    SELECT * FROM continuum.schedules ${where} ORDER BY namespace COLLATE "C", name COLLATE "C"`.execute(db);
  return found.rows.map(toScheduleRecord);
}

/** setSchedulePaused: under the row lock; resuming computes the next fire time from now. */
export async function setSchedulePaused(
  db: SqlExecutor,
  namespace: string,
  name: string,
  paused: boolean,
): Promise<ScheduleRecord> {
  return inTransaction(db, async (tx) => {
    const existing = await lockSchedule(tx, namespace, name);
    if (existing === undefined) throw new ScheduleNotFoundError(namespace, name);
    if (existing.paused === paused) return existing;
    const now = await journalNow(tx);
    const next = paused ? existing.nextFireAt : nextFireAfter(existing.spec, now);
    const updated = await sql<ScheduleRow>`
      UPDATE continuum.schedules SET paused = ${paused}, next_fire_at = ${instantOrNull(next)}, updated_at = ${fromEpochMs(now)}
      WHERE namespace = ${namespace} AND name = ${name}
      RETURNING *`.execute(tx);
    return toScheduleRecord(updated.rows[0] as ScheduleRow);
  });
}

/** deleteSchedule: one statement (waits for a firing engine that holds the row). */
export async function deleteSchedule(db: SqlExecutor, namespace: string, name: string): Promise<boolean> {
  const deleted = await sql`
    DELETE FROM continuum.schedules WHERE namespace = ${namespace} AND name = ${name}`.execute(db);
  return Number(deleted.numAffectedRows ?? 0) > 0;
}
