import { readHistoryWithSnapshot } from "./history-snapshot.ts";
import { attributeQuerySql, runOrderSql } from "./attribute-query-sql.ts";
import {
  checkAttributeQuery,
  checkRunOrder,
  encodeAttributeCursor,
} from "../../validation/attribute-query.ts";
import { sql, type RawBuilder } from "kysely";
import type { Encoded, HistoryEvent, RunStatus } from "../../model/index.ts";
import type { RunFilter, RunPage, RunRecord } from "../journal.ts";
import { runColumns, toHistoryEvent, toRunRecord, type EventRow, type RunRow } from "./rows.ts";
import {
  dbNow,
  inList,
  jsonbSearch,
  terminalList,
  toMs,
  toMsOrUndefined,
  type SqlExecutor,
} from "./sql-fragments.ts";

// Read-only queries: single statements, no locks (MVCC snapshot of committed data).

const defaultPageSize = 100;

/** The journal's clock (continuum.now()) in epoch ms. */
export async function journalNow(db: SqlExecutor): Promise<number> {
  const result = await sql<{ now: Date }>`SELECT ${dbNow} AS now`.execute(db);
  return toMs((result.rows[0] as { now: Date }).now);
}

/** One run by id (undefined when unknown). */
export async function getRun(db: SqlExecutor, runId: string): Promise<RunRecord | undefined> {
  const result =
    await sql<RunRow>`SELECT ${runColumns} FROM continuum.runs r WHERE r.run_id = ${runId}`.execute(db);
  return result.rows[0] && toRunRecord(result.rows[0]);
}

/**
 * The latest run with this workflow id: the end of the newest chain that holds it (an id may
 * start a new chain once its earlier runs closed; see WorkflowIdReusePolicy).
 *
 * Fast path: successors keep the chain's id, so the latest run is the newest run with this id
 * that was not continued (a backward scan of runs_workflow_id_idx that stops at the first such
 * run, however long the chain). Only when there is none is the newest chain walked.
 */
export async function getRunByWorkflowId(
  db: SqlExecutor,
  namespace: string,
  workflowId: string,
): Promise<RunRecord | undefined> {
  const holder = await sql<RunRow>`
    SELECT ${runColumns} FROM continuum.runs r
    WHERE r.namespace = ${namespace} AND r.workflow_id = ${workflowId} AND r.status <> 'continued'
    ORDER BY r.created_order DESC LIMIT 1`.execute(db);
  if (holder.rows[0] !== undefined) return toRunRecord(holder.rows[0]);
  const result = await sql<RunRow>`
    WITH RECURSIVE chain AS (
      SELECT first.run_id, first.continued_to, 0 AS depth
      FROM (SELECT run_id, continued_to FROM continuum.runs
            WHERE namespace = ${namespace} AND workflow_id = ${workflowId}
              AND continued_from IS NULL
            ORDER BY created_order DESC LIMIT 1) AS first
      UNION ALL
      SELECT next.run_id, next.continued_to, chain.depth + 1
      FROM chain JOIN continuum.runs AS next ON next.run_id = chain.continued_to
      WHERE chain.depth < 100000
    )
    SELECT ${runColumns} FROM continuum.runs r
    WHERE r.run_id = (SELECT run_id FROM chain ORDER BY depth DESC LIMIT 1)`.execute(db);
  return result.rows[0] && toRunRecord(result.rows[0]);
}

/** The statement of one {@link listRuns} page (exported so a test can EXPLAIN it), or undefined when nothing can match. */
export function listRunsQuery(
  filter: RunFilter,
): { query: RawBuilder<RunRow>; limit: number; attribute?: string } | undefined {
  const where = filter.where === undefined ? undefined : checkAttributeQuery(filter.where);
  const order = runOrderSql(
    filter.orderBy === undefined ? undefined : checkRunOrder(filter.orderBy),
    filter.after,
  );
  const limit = Math.max(1, filter.limit ?? defaultPageSize);
  const statuses: readonly RunStatus[] | undefined =
    filter.status === undefined
      ? undefined
      : typeof filter.status === "string"
        ? [filter.status]
        : filter.status;
  if (statuses !== undefined && statuses.length === 0) return undefined;
  const conditions = [
    sql`true`,
    ...(filter.namespace === undefined ? [] : [sql`r.namespace = ${filter.namespace}`]),
    ...(filter.workflowName === undefined ? [] : [sql`r.workflow_name = ${filter.workflowName}`]),
    ...(filter.workflowId === undefined ? [] : [sql`r.workflow_id = ${filter.workflowId}`]),
    ...(filter.parentRunId === undefined ? [] : [sql`r.parent_run_id = ${filter.parentRunId}`]),
    ...(statuses === undefined ? [] : [sql`r.status IN ${inList(statuses)}`]),
    ...(filter.attributes === undefined
      ? []
      : [sql`r.attributes_search @> ${jsonbSearch(filter.attributes as Encoded)}`]),
    ...(where === undefined ? [] : [attributeQuerySql(where)]),
    ...(order.after === undefined ? [] : [order.after]),
  ];
  const query = sql<RunRow>`
    SELECT ${runColumns} FROM continuum.runs r
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY ${order.orderBy}
    LIMIT ${limit + 1}`;
  return { query, limit, ...(order.attribute === undefined ? {} : { attribute: order.attribute }) };
}

/**
 * Newest first (the cursor is the last run's creation order), or in `filter.orderBy`'s order
 * with ties broken by creation order (the cursor holds the sort value and the creation order).
 */
export async function listRuns(db: SqlExecutor, filter: RunFilter): Promise<RunPage> {
  const statement = listRunsQuery(filter);
  if (statement === undefined) return { runs: [] };
  const { query, limit, attribute } = statement;
  const result = await query.execute(db);
  const page = result.rows.slice(0, limit);
  const runs = page.map(toRunRecord);
  const last = page.at(-1);
  const lastRun = runs.at(-1);
  const next =
    last === undefined || lastRun === undefined
      ? undefined
      : attribute === undefined
        ? String(last.created_order)
        : encodeAttributeCursor(lastRun.attributes[attribute], Number(last.created_order));
  return { runs, ...(result.rows.length > limit && next !== undefined ? { next } : {}) };
}

/** History after `afterSeq`, pruned to the run's partition through its history_month. */
export async function readHistory(db: SqlExecutor, runId: string, afterSeq = 0): Promise<HistoryEvent[]> {
  return readHistoryWithSnapshot(db, runId, afterSeq);
}

/** History after `afterSeq`, one row per event (no snapshot): what {@link readHistory} did before snapshots. */
export async function readHistoryRows(db: SqlExecutor, runId: string, afterSeq = 0): Promise<HistoryEvent[]> {
  const result = await sql<EventRow>`
    SELECT e.seq, e.kind, e.body, e.at FROM continuum.events e
    WHERE e.run_id = ${runId} AND e.seq > ${afterSeq}
      AND e.history_month = (SELECT history_month FROM continuum.runs WHERE run_id = ${runId})
    ORDER BY e.seq`.execute(db);
  return result.rows.map(toHistoryEvent);
}

/**
 * Earliest timer or task due time (running tasks are due at their attempt's deadline), lease end
 * of a run with in-process attempts (runs_in_process_idx: when wakeLostAttempts may wake it), pending
 * delayed start (runs_delayed_start_idx) or schedule fire (schedules_due_idx). Tasks are read
 * through their two due indexes (migration 0021): tasks_due_plain_idx, and tasks_queue_idx once
 * per defined queue (a task routed to a queue no engine has defined yet is claimable by nobody,
 * so its due time wakes nobody usefully).
 */
export async function nextDueAt(db: SqlExecutor): Promise<number | undefined> {
  const result = await sql<{ due: Date | null }>`
    SELECT LEAST(
      (SELECT min(fire_at) FROM continuum.timers),
      (SELECT min(available_at) FROM continuum.tasks WHERE queue_name IS NULL AND status IN ('pending', 'running')),
      (SELECT min(t.available_at) FROM continuum.queues AS q CROSS JOIN LATERAL (
        SELECT available_at FROM continuum.tasks WHERE queue_name = q.name AND status IN ('pending', 'running')
        ORDER BY available_at LIMIT 1) AS t),
      (SELECT min(not_before) FROM continuum.runs WHERE start_at IS NOT NULL AND not_before IS NOT NULL AND ready_since IS NULL),
      (SELECT min(CASE WHEN lease_owner IS NULL THEN ${dbNow} ELSE lease_expires_at END) FROM continuum.runs
       WHERE has_in_process AND status NOT IN ${terminalList}
         AND ((lease_owner IS NULL AND ready_since IS NULL)
           OR (lease_owner IS NOT NULL AND (ready_since IS NULL OR not_before > lease_expires_at)))),
      (SELECT min(next_fire_at) FROM continuum.schedules WHERE NOT paused AND next_fire_at IS NOT NULL)) AS due`.execute(
    db,
  );
  return toMsOrUndefined(result.rows[0]?.due);
}
