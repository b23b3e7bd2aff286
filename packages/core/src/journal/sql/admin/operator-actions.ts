import { sql } from "kysely";
import type { Encoded } from "../../../model/index.ts";
import type {
  OperatorActionInput,
  OperatorActionKind,
  OperatorActionPage,
  OperatorActionPageRequest,
  OperatorActionRecord,
  OperatorOrigin,
} from "../../journal-admin.ts";
import { runPageLimit } from "../../inspector-limits.ts";
import { dbNow, json, toMs, type SqlExecutor } from "../sql-fragments.ts";

interface ActionRow {
  id: string | number;
  actor: string;
  action: OperatorActionKind;
  namespace: string | null;
  run_id: string | null;
  workflow_id: string | null;
  parameters: Record<string, Encoded>;
  origin: OperatorOrigin;
  outcome: "succeeded" | "failed";
  error: { code: string; message: string } | null;
  result: Record<string, Encoded> | null;
  at: Date;
}

/** Appends one audit entry (inside the caller's transaction when `db` is one). Locking: an insert only. */
export async function appendOperatorAction(
  db: SqlExecutor,
  entry: OperatorActionInput,
): Promise<OperatorActionRecord> {
  const inserted = await sql<ActionRow>`
    INSERT INTO continuum.operator_actions (actor, action, namespace, run_id, workflow_id, parameters, origin, outcome, error, result, at)
    VALUES (${entry.actor}, ${entry.action}, ${entry.namespace ?? null}, ${entry.runId ?? null}, ${entry.workflowId ?? null},
            ${json(entry.parameters ?? {})}, ${json(entry.origin ?? {})}, ${entry.outcome}, ${json(entry.error)}, ${json(entry.result)}, ${dbNow})
    RETURNING *`.execute(db);
  return toRecord(inserted.rows[0] as ActionRow);
}

/**
 * A page of the audit log, newest first. Locking: none (a read). Served by the primary key
 * (all entries) or operator_actions_run_idx (one run's), both walked backwards from `before`.
 */
export async function listOperatorActions(
  db: SqlExecutor,
  request: OperatorActionPageRequest = {},
): Promise<OperatorActionPage> {
  const limit = runPageLimit(request.limit);
  const result = await sql<ActionRow>`
    SELECT * FROM continuum.operator_actions
    WHERE ${request.runId === undefined ? sql`true` : sql`run_id = ${request.runId}`}
      AND ${request.before === undefined ? sql`true` : sql`id < ${request.before}`}
    ORDER BY id DESC
    LIMIT ${limit + 1}`.execute(db);
  const entries = result.rows.slice(0, limit).map(toRecord);
  const last = entries.at(-1);
  return { entries, ...(result.rows.length > limit && last !== undefined ? { next: last.id } : {}) };
}

function toRecord(row: ActionRow): OperatorActionRecord {
  return {
    id: Number(row.id),
    at: toMs(row.at),
    actor: row.actor,
    action: row.action,
    ...(row.namespace === null ? {} : { namespace: row.namespace }),
    ...(row.run_id === null ? {} : { runId: row.run_id }),
    ...(row.workflow_id === null ? {} : { workflowId: row.workflow_id }),
    parameters: row.parameters,
    origin: row.origin,
    outcome: row.outcome,
    ...(row.error === null ? {} : { error: row.error }),
    ...(row.result === null ? {} : { result: row.result }),
  };
}
