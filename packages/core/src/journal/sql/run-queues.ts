import { sql } from "kysely";
import type { RunQueueConfig, RunQueueInfo } from "../journal.ts";
import { dbNow, toMs, type SqlExecutor } from "./sql-fragments.ts";

/**
 * defineQueues: an upsert per queue that writes only when the stored limits differ, so engines
 * and clients that define the same queue at every boot do not take its row lock (which
 * dequeueRuns holds while dequeuing) for nothing. Last writer wins.
 */
export async function defineQueues(db: SqlExecutor, queues: readonly RunQueueConfig[]): Promise<void> {
  for (const queue of queues) {
    await sql`
      INSERT INTO continuum.queues AS q (name, concurrency, per_engine_concurrency, rate_limit, rate_period_ms, default_priority, updated_at)
      VALUES (${queue.name}, ${queue.concurrency ?? null}::integer, ${queue.perEngineConcurrency ?? null}::integer,
        ${queue.rateLimit?.limit ?? null}::integer, ${queue.rateLimit?.periodMs ?? null}::bigint, ${queue.defaultPriority ?? 0}::integer, ${dbNow})
      ON CONFLICT (name) DO UPDATE SET concurrency = excluded.concurrency,
        per_engine_concurrency = excluded.per_engine_concurrency, rate_limit = excluded.rate_limit,
        rate_period_ms = excluded.rate_period_ms, default_priority = excluded.default_priority, updated_at = excluded.updated_at
      WHERE (q.concurrency, q.per_engine_concurrency, q.rate_limit, q.rate_period_ms, q.default_priority)
        IS DISTINCT FROM (excluded.concurrency, excluded.per_engine_concurrency, excluded.rate_limit, excluded.rate_period_ms, excluded.default_priority)`.execute(
      db,
    );
  }
}

interface QueueInfoRow {
  name: string;
  concurrency: number | null;
  per_engine_concurrency: number | null;
  rate_limit: number | null;
  rate_period_ms: string | number | null;
  default_priority: number;
  backlog: string | number;
  running: string | number;
  recent: string | number;
  oldest: Date | null;
}

/**
 * listQueues: every queue with its counts, read without locks (a snapshot: counts may lag a
 * dequeue in flight). Each count walks a partial index of the queue's open runs.
 */
export async function listQueues(db: SqlExecutor): Promise<RunQueueInfo[]> {
  const found = await sql<QueueInfoRow>`
    SELECT q.name, q.concurrency, q.per_engine_concurrency, q.rate_limit, q.rate_period_ms, q.default_priority,
      (SELECT count(*) FROM continuum.runs AS r
       WHERE r.queue_name = q.name AND r.dequeued_at IS NULL AND r.finished_at IS NULL) AS backlog,
      (SELECT count(*) FROM continuum.runs AS r
       WHERE r.queue_name = q.name AND r.dequeued_at IS NOT NULL AND r.finished_at IS NULL) AS running,
      CASE WHEN q.rate_period_ms IS NULL THEN 0 ELSE
        (SELECT count(*) FROM continuum.runs AS r WHERE r.queue_name = q.name AND r.dequeued_at IS NOT NULL
           AND r.dequeued_at > ${dbNow} - q.rate_period_ms * interval '1 millisecond') END AS recent,
      (SELECT min(r.created_at) FROM continuum.runs AS r
       WHERE r.queue_name = q.name AND r.dequeued_at IS NULL AND r.finished_at IS NULL) AS oldest
    FROM continuum.queues AS q ORDER BY q.name`.execute(db);
  return found.rows.map((row) => ({
    name: row.name,
    ...(row.concurrency === null ? {} : { concurrency: row.concurrency }),
    ...(row.per_engine_concurrency === null ? {} : { perEngineConcurrency: row.per_engine_concurrency }),
    ...(row.rate_limit === null || row.rate_period_ms === null
      ? {}
      : { rateLimit: { limit: row.rate_limit, periodMs: Number(row.rate_period_ms) } }),
    defaultPriority: row.default_priority,
    backlog: Number(row.backlog),
    running: Number(row.running),
    dequeuedInPeriod: Number(row.recent),
    ...(row.oldest === null ? {} : { oldestQueuedAt: toMs(row.oldest) }),
  }));
}
