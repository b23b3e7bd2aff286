import { sql } from "kysely";
import type { RunQueueConfig, RunQueueInfo, RunQueuePartitionInfo } from "../journal.ts";
import { dbNow, toMs, type SqlExecutor } from "./sql-fragments.ts";

/**
 * defineQueues: an upsert per queue that writes only when the stored limits differ, so engines
 * and clients that define the same queue at every boot do not take its row lock (which
 * dequeueRuns holds while dequeuing) for nothing. Last writer wins.
 */
export async function defineQueues(db: SqlExecutor, queues: readonly RunQueueConfig[]): Promise<void> {
  for (const queue of queues) {
    await sql`
      INSERT INTO continuum.queues AS q (name, concurrency, per_engine_concurrency, rate_limit, rate_period_ms, default_priority, partitioned, updated_at)
      VALUES (${queue.name}, ${queue.concurrency ?? null}::integer, ${queue.perEngineConcurrency ?? null}::integer,
        ${queue.rateLimit?.limit ?? null}::integer, ${queue.rateLimit?.periodMs ?? null}::bigint, ${queue.defaultPriority ?? 0}::integer,
        ${queue.partitioned === true}::boolean, ${dbNow})
      ON CONFLICT (name) DO UPDATE SET concurrency = excluded.concurrency,
        per_engine_concurrency = excluded.per_engine_concurrency, rate_limit = excluded.rate_limit,
        rate_period_ms = excluded.rate_period_ms, default_priority = excluded.default_priority,
        partitioned = excluded.partitioned, updated_at = excluded.updated_at
      WHERE (q.concurrency, q.per_engine_concurrency, q.rate_limit, q.rate_period_ms, q.default_priority, q.partitioned)
        IS DISTINCT FROM (excluded.concurrency, excluded.per_engine_concurrency, excluded.rate_limit, excluded.rate_period_ms, excluded.default_priority, excluded.partitioned)`.execute(
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
  partitioned: boolean;
  tasks_waiting: string | number;
  tasks_running: string | number;
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
    SELECT q.name, q.concurrency, q.per_engine_concurrency, q.rate_limit, q.rate_period_ms, q.default_priority, q.partitioned,
      (SELECT count(*) FROM continuum.tasks AS t WHERE t.queue_name = q.name
         AND (t.status = 'pending' OR (t.status = 'running' AND t.available_at <= ${dbNow}))) AS tasks_waiting,
      (SELECT count(*) FROM continuum.tasks AS t WHERE t.queue_name = q.name
         AND t.status = 'running' AND t.available_at > ${dbNow}) AS tasks_running,
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
  const partitions = new Map<string, RunQueuePartitionInfo[]>();
  if (found.rows.some((row) => row.partitioned)) {
    const rows = await sql<{
      queue_name: string;
      key: string;
      backlog: string | number;
      running: string | number;
    }>`
      SELECT r.queue_name, r.queue_partition_key AS key,
        count(*) FILTER (WHERE r.dequeued_at IS NULL) AS backlog,
        count(*) FILTER (WHERE r.dequeued_at IS NOT NULL) AS running
      FROM continuum.runs AS r
      WHERE r.queue_partition_key IS NOT NULL AND r.finished_at IS NULL
      GROUP BY r.queue_name, r.queue_partition_key ORDER BY r.queue_name, r.queue_partition_key`.execute(db);
    for (const row of rows.rows) {
      const list = partitions.get(row.queue_name) ?? [];
      list.push({ key: row.key, backlog: Number(row.backlog), running: Number(row.running) });
      partitions.set(row.queue_name, list);
    }
  }
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
    ...(row.partitioned ? { partitioned: true, partitions: partitions.get(row.name) ?? [] } : {}),
    activities: { waiting: Number(row.tasks_waiting), running: Number(row.tasks_running) },
  }));
}
