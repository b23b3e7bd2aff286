import { sql, type RawBuilder } from "kysely";
import type { RunQueueThrottle } from "../journal.ts";
import { queueAllowance, type QueueAllowanceLimits } from "../queue-allowance.ts";
import { dbNow, type SqlExecutor } from "./sql-fragments.ts";

/** A queue's row as the run dequeue and the activity-queue claim read it. */
export interface QueueRow {
  concurrency: number | null;
  per_engine_concurrency: number | null;
  rate_limit: number | null;
  rate_period_ms: number | string | null;
  partitioned: boolean;
}

/** A queue row's limits, for queueAllowance (NULL: no such limit). */
export function queueRowLimits(
  row: Pick<QueueRow, "concurrency" | "per_engine_concurrency" | "rate_limit">,
): QueueAllowanceLimits {
  return {
    concurrency: row.concurrency ?? undefined,
    perEngineConcurrency: row.per_engine_concurrency ?? undefined,
    rateLimit: row.rate_limit ?? undefined,
  };
}

/**
 * Locks a queue's row for the rest of the transaction and reads its limits; undefined when the
 * queue is unknown or another engine holds the lock right now (FOR UPDATE SKIP LOCKED: that
 * engine is filling the queue, this round skips it). Every slot of a queue is taken under this
 * lock, which is what keeps its limits exact across engines (see dequeue-runs.ts).
 */
export async function lockQueueRow(tx: SqlExecutor, queue: string): Promise<QueueRow | undefined> {
  const locked = await sql<QueueRow>`
    SELECT concurrency, per_engine_concurrency, rate_limit, rate_period_ms, partitioned FROM continuum.queues
    WHERE name = ${queue} FOR UPDATE SKIP LOCKED`.execute(tx);
  return locked.rows[0];
}

/**
 * What a kind of queued work counts as using its queue: each a boolean SQL condition over the
 * counted table (runs or tasks), the rate window's start given as an SQL instant.
 */
export interface QueueSlotSources {
  /** The table counted, e.g. sql`continuum.runs`. */
  readonly from: RawBuilder<unknown>;
  /** Holding a slot now. */
  readonly active: RawBuilder<unknown>;
  /** Holding a slot now on this engine. */
  readonly mine: RawBuilder<unknown>;
  /** Started within the rate window that began at `since` (for tasks: another table's rows). */
  readonly recent: (since: RawBuilder<unknown>) => RawBuilder<unknown>;
}

/**
 * Counts what a locked queue uses (one statement, after the lock: under READ COMMITTED it sees
 * every slot taken before we got the lock) and returns what its limits allow this round, up to
 * `want`, with the limit that bound it. One block for runs and activity attempts alike.
 */
export async function allowanceUnderLock(
  tx: SqlExecutor,
  config: QueueRow,
  want: number,
  sources: QueueSlotSources,
): Promise<{ readonly allowed: number; readonly limitedBy: RunQueueThrottle | undefined }> {
  const periodMs = config.rate_period_ms === null ? 0 : Number(config.rate_period_ms);
  const since = sql`${dbNow} - ${periodMs}::bigint * interval '1 millisecond'`;
  const counts = await sql<{ active: string | number; mine: string | number; recent: string | number }>`
    SELECT
      (SELECT count(*) FROM ${sources.from} WHERE ${sources.active}) AS active,
      (SELECT count(*) FROM ${sources.from} WHERE ${sources.active} AND ${sources.mine}) AS mine,
      (${sources.recent(since)}) AS recent`.execute(tx);
  const row = counts.rows[0];
  return queueAllowance(want, queueRowLimits(config), {
    active: Number(row?.active ?? 0),
    mine: Number(row?.mine ?? 0),
    recent: Number(row?.recent ?? 0),
  });
}
