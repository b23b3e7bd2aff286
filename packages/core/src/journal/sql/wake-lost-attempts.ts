import { sql } from "./sql-template.ts";
import { NotifyTopic } from "../notifier.ts";
import { channelOf, dbNow, terminalList, type SqlExecutor } from "./sql-fragments.ts";

/**
 * Makes up to `limit` runs ready whose in-process attempts (`NewTask.inProcess`) have lost their
 * engine: the run still lists calls, and its lease is over. Nothing else would wake such a run,
 * since its attempts have no task rows to reach a deadline; the claim that follows re-issues
 * them (`reissueAttempts`). Part of the timer wheel (fireDueTimers).
 *
 * - A run whose lease expired: made ready, and an eager start's deferral (`not_before`, the
 *   window of a lease that ended early: releaseOrphanedLeases) goes with it.
 * - A run given back (no lease holder) and not ready: made ready; a deferral the release asked
 *   for (`notBeforeMs`, a back-off) is kept.
 * - A run ready and claimable already is left as it is.
 *
 * Locking: the candidates are found on runs_in_process_idx and taken FOR NO KEY UPDATE SKIP
 * LOCKED, so timer wheels of several engines split them, and a run whose owner is renewing or
 * stepping it right now (its row locked) is left for the next round.
 *
 * @returns how many became ready
 */
export async function wakeLostAttempts(tx: SqlExecutor, limit: number): Promise<number> {
  if (limit <= 0) return 0;
  const woken = await sql<{ run_id: string }>`
    WITH lost AS (
      SELECT run_id FROM continuum.runs
      WHERE has_in_process AND status NOT IN ${terminalList}
        AND ((lease_owner IS NULL AND ready_since IS NULL)
          OR (lease_owner IS NOT NULL AND lease_expires_at <= ${dbNow}
              AND (ready_since IS NULL OR not_before > ${dbNow})))
      ORDER BY created_order
      LIMIT ${limit}
      FOR NO KEY UPDATE SKIP LOCKED
    )
    UPDATE continuum.runs AS r SET
      ready_since = COALESCE(r.ready_since, nextval('continuum.journal_order')),
      not_before = CASE WHEN r.lease_owner IS NULL THEN r.not_before END
    FROM lost WHERE r.run_id = lost.run_id
    RETURNING r.run_id, pg_notify(${channelOf(NotifyTopic.runReady)}, r.run_id)::text AS notified`.execute(
    tx,
  );
  return woken.rows.length;
}
