import { sql, type SqlTemplate } from "./sql-template.ts";
import type { RunQueueStart, RunRecord, StartRunRequest } from "../journal.ts";
import { runColumns, splitEvent, toRunRecord, type RunRow } from "./rows.ts";
import { dbNowPlus, json, maxInstant, type SqlExecutor } from "./sql-fragments.ts";

/** The queue columns of a queued run's insert (see insertRun). */
export interface QueuedRunColumns {
  readonly name: string;
  readonly priority: SqlTemplate<number>;
  readonly dedupeKey: string | null;
  readonly readyAt: SqlTemplate<Date> | null;
  readonly notBefore: SqlTemplate<Date>;
  readonly partitionKey: string | null;
}

/**
 * How a queued run is inserted: deferred to the last representable instant (claimRuns skips it
 * on the filter it already has for deferred runs) and not ready (ready_since NULL, so the claim's
 * scan of runs_ready_idx never walks the backlog). dequeueRuns lifts both. A start without a
 * priority takes the queue's default (0 for a queue not defined yet).
 */
export function queuedRunColumns(queue: RunQueueStart): QueuedRunColumns {
  return {
    name: queue.name,
    priority:
      queue.priority === undefined
        ? sql<number>`coalesce((SELECT q.default_priority FROM continuum.queues AS q WHERE q.name = ${queue.name}), 0)`
        : sql<number>`${queue.priority}::integer`,
    dedupeKey: queue.dedupeKey ?? null,
    readyAt: queue.debounceMs === undefined ? null : dbNowPlus("debounceMs", queue.debounceMs),
    notBefore: maxInstant,
    partitionKey: queue.partitionKey ?? null,
  };
}

/**
 * A start into a queue with a dedupe key: returns the open run that absorbs it, or undefined
 * when a new run is to be queued. See RunQueueStart for the rules.
 *
 * Locking: a transaction-level advisory lock on (queue, key) serialises starts with one key, so
 * two of them never both queue a run; the lookup runs after it (a fresh snapshot under READ
 * COMMITTED). A debounce rewrites the queued run's input (its row and its run_started event)
 * under a row lock that dequeueRuns also takes (FOR UPDATE SKIP LOCKED there): either the run
 * is still queued when it is rewritten, or the dequeue came first and a new run is queued.
 */
export async function startIntoQueue(
  tx: SqlExecutor,
  queue: RunQueueStart,
  request: StartRunRequest,
): Promise<RunRecord | undefined> {
  if (queue.dedupeKey === undefined) return undefined;
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`queue:${queue.name}`}), hashtext(${queue.dedupeKey}))`.execute(
    tx,
  );
  const open = await sql<RunRow & { queued: boolean }>`
    SELECT ${runColumns}, r.dequeued_at IS NULL AS queued FROM continuum.runs AS r
    WHERE r.queue_name = ${queue.name} AND r.queue_dedupe_key = ${queue.dedupeKey} AND r.finished_at IS NULL
    ORDER BY (r.dequeued_at IS NULL) DESC, r.created_order DESC
    LIMIT 1
    FOR UPDATE`.execute(tx);
  const found = open.rows[0];
  if (found === undefined) return undefined;
  if (queue.debounceMs === undefined) return toRunRecord(found);
  // Debounce: an executing run does not absorb the start; a new one is queued behind it.
  if (found.queued !== true) return undefined;
  const { body } = splitEvent({
    kind: "run_started",
    workflowName: found.workflow_name,
    versionHash: found.version_hash,
    input: request.input,
  });
  const updated = await sql<RunRow>`
    WITH started AS (
      UPDATE continuum.events SET body = ${json(body)}
      WHERE run_id = ${found.run_id} AND history_month = ${found.history_month}::date AND seq = 1
    )
    UPDATE continuum.runs AS r SET input = ${json(request.input)},
      queue_ready_at = ${dbNowPlus("debounceMs", queue.debounceMs)}, updated_at = continuum.now()
    WHERE r.run_id = ${found.run_id}
    RETURNING ${runColumns}`.execute(tx);
  const row = updated.rows[0];
  if (row === undefined) throw new Error(`queued run ${found.run_id} vanished during a debounced start`);
  return toRunRecord(row);
}
