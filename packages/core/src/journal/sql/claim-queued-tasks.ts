import { sql } from "kysely";
import type { ClaimQueuedTasksRequest, QueuedTaskClaims } from "../journal.ts";
import { claimDue } from "./claim-tasks.ts";
import { allowanceUnderLock, lockQueueRow } from "./queue-slots.ts";
import { dbNow, inList, inTransaction, type SqlExecutor } from "./sql-fragments.ts";

/**
 * claimQueuedTasks: for each queue, one transaction that starts attempts of the activity tasks
 * routed to it (defineActivity(..., { queue })), within its limits.
 *
 * Locking: as dequeueRuns (dequeue-runs.ts). The queue's row is locked first (FOR UPDATE SKIP
 * LOCKED: a queue another engine is claiming from right now is skipped this round) and only
 * then are its running attempts counted, in a statement of its own: under READ COMMITTED that
 * statement sees every claim committed before we got the lock. Slots are taken only under the
 * lock (tasks with a queue are never created claimed, and claimTasks skips them) and freed
 * without it (an attempt finishing, or its deadline passing), which can only make the count too
 * high for a moment, never too low. A running attempt whose deadline passed holds no slot: the
 * journal considers it dead and claims the task again. Attempt starts of a rate-limited queue
 * are logged in queue_attempt_starts (a task row keeps only its latest start) and pruned under
 * the same lock, a minute past the window: a claim whose transaction began before another's
 * (an earlier now()) but locked after it must still see the rows its own window covers. The tasks themselves are taken FOR UPDATE SKIP LOCKED (claimDue).
 */
export async function claimQueuedTasks(
  db: SqlExecutor,
  request: ClaimQueuedTasksRequest,
): Promise<QueuedTaskClaims[]> {
  const results: QueuedTaskClaims[] = [];
  let left = request.limit;
  if (request.activityNames.length === 0) return results;
  for (const queue of request.queues) {
    if (left <= 0) break;
    // Lock-free first: most rounds find no due task in the queue and take no lock.
    const due = await sql<{ due: boolean }>`
      SELECT EXISTS (SELECT 1 FROM continuum.tasks WHERE queue_name = ${queue}
        AND status IN ('pending', 'running') AND available_at <= ${dbNow}) AS due`.execute(db);
    if (due.rows[0]?.due !== true) continue;
    const result = await inTransaction(db, (tx) => claimFromQueue(tx, queue, left, request));
    if (result === undefined) continue;
    left -= result.claims.length;
    results.push(result);
  }
  return results;
}

async function claimFromQueue(
  tx: SqlExecutor,
  queue: string,
  limit: number,
  request: ClaimQueuedTasksRequest,
): Promise<QueuedTaskClaims | undefined> {
  const config = await lockQueueRow(tx, queue);
  if (config === undefined) return undefined;
  const { allowed, limitedBy } = await allowanceUnderLock(tx, config, limit, {
    from: sql`continuum.tasks`,
    active: sql`queue_name = ${queue} AND status = 'running' AND available_at > ${dbNow}`,
    mine: sql`owner = ${request.owner}`,
    recent: (since) => sql`SELECT count(*) FROM continuum.queue_attempt_starts
      WHERE queue_name = ${queue} AND started_at > ${since}`,
  });
  const claims =
    allowed <= 0
      ? []
      : await claimDue(tx, {
          owner: request.owner,
          limit: allowed,
          ...(request.attemptLeaseMs === undefined ? {} : { attemptLeaseMs: request.attemptLeaseMs }),
          filter: sql`AND queue_name = ${queue} AND activity_name IN ${inList(request.activityNames)}`,
        });
  const periodMs = config.rate_period_ms === null ? 0 : Number(config.rate_period_ms);
  if (config.rate_limit !== null && claims.length > 0)
    await sql`
      WITH pruned AS (
        DELETE FROM continuum.queue_attempt_starts
        WHERE queue_name = ${queue}
          AND started_at <= ${dbNow} - ${periodMs}::bigint * interval '1 millisecond' - interval '1 minute'
      )
      INSERT INTO continuum.queue_attempt_starts (queue_name, started_at)
      SELECT ${queue}, ${dbNow} FROM generate_series(1, ${claims.length}::integer)`.execute(tx);
  const more = await sql<{ more: boolean }>`
    SELECT EXISTS (SELECT 1 FROM continuum.tasks WHERE queue_name = ${queue}
      AND status IN ('pending', 'running') AND available_at <= ${dbNow}
      AND activity_name IN ${inList(request.activityNames)}) AS more`.execute(tx);
  const moreDue = more.rows[0]?.more === true;
  return {
    queue,
    claims,
    moreDue,
    ...(moreDue && limitedBy !== undefined ? { throttled: limitedBy } : {}),
  };
}
