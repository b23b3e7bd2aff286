import { sql, type RawBuilder } from "kysely";
import type { DequeueRunsRequest, DequeuedRuns, RunQueueThrottle } from "../journal.ts";
import { NotifyTopic } from "../notifier.ts";
import { allowanceUnderLock, lockQueueRow, type QueueRow } from "./queue-slots.ts";
import { channelOf, dbNow, inTransaction, type SqlExecutor } from "./sql-fragments.ts";

/**
 * dequeueRuns: for each queue, one transaction that moves due runs from its backlog to ready.
 *
 * Locking: the queue's row is locked first (FOR UPDATE SKIP LOCKED: a queue another engine is
 * dequeuing right now is skipped this round, that engine fills it), and only then are its slots
 * counted, in a statement of its own. Under READ COMMITTED each statement takes a fresh snapshot,
 * so the counts see every dequeue committed before we got the lock: slots are taken only under
 * the lock, and freed (a run ending sets finished_at) without it, which can only make our count
 * too high for a moment, never too low. So `concurrency`, `perEngineConcurrency` and the rate
 * limit hold across any number of engines. The backlog rows are taken FOR UPDATE SKIP LOCKED
 * too, so a debounced start rewriting a queued run (queue-start.ts) and its dequeue exclude each
 * other. A dequeued run is made ready as a new run is (a fresh journal_order position) and
 * announced with a runReady hint at commit. A partitioned queue is dequeued partition by
 * partition under the same lock, each partition's slots counted on their own.
 */
export async function dequeueRuns(db: SqlExecutor, request: DequeueRunsRequest): Promise<DequeuedRuns[]> {
  const results: DequeuedRuns[] = [];
  if (request.limit <= 0) return results;
  for (const queue of request.queues) {
    const result = await inTransaction(db, (tx) => dequeueOne(tx, queue, request));
    if (result !== undefined) results.push(result);
  }
  return results;
}

async function dequeueOne(
  tx: SqlExecutor,
  queue: string,
  request: DequeueRunsRequest,
): Promise<DequeuedRuns | undefined> {
  const config = await lockQueueRow(tx, queue);
  if (config === undefined) return undefined;
  const taken: TakenRow[] = [];
  let limitedBy: RunQueueThrottle | undefined;
  if (!config.partitioned) {
    const one = await takeFrom(tx, queue, sql``, config, request.owner, request.limit);
    taken.push(...one.taken);
    limitedBy = one.limitedBy;
  } else {
    // Each partition is a queue of its own under the one lock: its limits count its runs only.
    // The partitions with due runs, oldest backlog first, so a busy key does not starve others.
    const keys = await sql<{ key: string }>`
      SELECT queue_partition_key AS key FROM continuum.runs
      WHERE queue_name = ${queue} AND queue_partition_key IS NOT NULL AND dequeued_at IS NULL AND finished_at IS NULL
        AND (queue_ready_at IS NULL OR queue_ready_at <= ${dbNow})
      GROUP BY queue_partition_key ORDER BY min(created_order) LIMIT ${maxPartitionsPerRound}`.execute(tx);
    for (const { key } of keys.rows) {
      const left = request.limit - taken.length;
      if (left <= 0) break;
      const one = await takeFrom(
        tx,
        queue,
        sql`AND queue_partition_key = ${key}`,
        config,
        request.owner,
        left,
      );
      taken.push(...one.taken);
      limitedBy ??= one.limitedBy;
    }
  }
  const more = await sql<{ more: boolean }>`
    SELECT EXISTS (SELECT 1 FROM continuum.runs
      WHERE queue_name = ${queue} AND dequeued_at IS NULL AND finished_at IS NULL
        AND (queue_ready_at IS NULL OR queue_ready_at <= ${dbNow})) AS more`.execute(tx);
  const moreDue = more.rows[0]?.more === true;
  const runIds = taken
    .toSorted(
      (a, b) => a.queue_priority - b.queue_priority || Number(a.created_order) - Number(b.created_order),
    )
    .map((t) => t.run_id);
  return {
    queue,
    runIds,
    moreDue,
    ...(moreDue && limitedBy !== undefined ? { throttled: limitedBy } : {}),
  };
}

/** Partitions of one partitioned queue dequeued from per round, at most. */
const maxPartitionsPerRound = 1_000;

interface TakenRow {
  run_id: string;
  queue_priority: number;
  created_order: string | number;
}

/**
 * Counts the slots of the queue (or of one partition: `scope` narrows every count and the
 * backlog) and dequeues what its limits allow, up to `limit`. Runs under the queue row's lock.
 */
async function takeFrom(
  tx: SqlExecutor,
  queue: string,
  scope: RawBuilder<unknown>,
  config: QueueRow,
  owner: string,
  limit: number,
): Promise<{ taken: TakenRow[]; limitedBy: RunQueueThrottle | undefined }> {
  const { allowed, limitedBy } = await allowanceUnderLock(tx, config, limit, {
    from: sql`continuum.runs`,
    active: sql`queue_name = ${queue} AND dequeued_at IS NOT NULL AND finished_at IS NULL ${scope}`,
    mine: sql`dequeued_by = ${owner}`,
    recent: (since) => sql`SELECT count(*) FROM continuum.runs
      WHERE queue_name = ${queue} AND dequeued_at IS NOT NULL ${scope} AND dequeued_at > ${since}`,
  });
  if (allowed <= 0) return { taken: [], limitedBy };
  const taken = await sql<TakenRow>`
    WITH candidate AS (
      SELECT run_id FROM continuum.runs
      WHERE queue_name = ${queue} AND dequeued_at IS NULL AND finished_at IS NULL ${scope}
        AND (queue_ready_at IS NULL OR queue_ready_at <= ${dbNow})
      ORDER BY queue_priority, created_order
      LIMIT ${allowed}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE continuum.runs AS r SET
      dequeued_at = ${dbNow}, dequeued_by = ${owner}, not_before = NULL,
      ready_since = coalesce(r.ready_since, nextval('continuum.journal_order')), updated_at = ${dbNow}
    FROM candidate WHERE r.run_id = candidate.run_id
    RETURNING r.run_id, r.queue_priority, r.created_order,
      pg_notify(${channelOf(NotifyTopic.runReady)}, r.run_id)::text AS notified`.execute(tx);
  return { taken: taken.rows, limitedBy };
}
