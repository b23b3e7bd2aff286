import { sql } from "./sql-template.ts";
import { NotifyTopic } from "../notifier.ts";
import { channelOf, dbNow, terminalList, type SqlExecutor } from "./sql-fragments.ts";

/**
 * Makes up to `limit` runs ready whose in-process attempts (`NewTask.inProcess`) have lost their
 * engine: the run still counts some, and its lease is over (or was given back). Nothing else
 * would wake such a run, since its attempts have no task rows to reach a deadline; the claim
 * that follows re-issues them (`reissueAttempts`). Part of the timer wheel (fireDueTimers).
 *
 * Locking: the candidates are found on runs_in_process_idx and taken FOR NO KEY UPDATE SKIP
 * LOCKED, so timer wheels of several engines split them, and a run whose owner is renewing or
 * stepping it right now (its row locked) is left for the next round; the lease is checked on
 * the locked row. A run with `ready_since` set is claimable already and left as it is, unless
 * it is deferred (`not_before`: an eager start's window) past a lease that ended early (given
 * back, or ended on open by releaseOrphanedLeases): its deferral goes.
 *
 * @returns how many became ready
 */
export async function wakeLostAttempts(tx: SqlExecutor, limit: number): Promise<number> {
  if (limit <= 0) return 0;
  const woken = await sql<{ run_id: string }>`
    WITH lost AS (
      SELECT run_id FROM continuum.runs
      WHERE in_process_attempts > 0 AND (ready_since IS NULL OR not_before > ${dbNow})
        AND (lease_owner IS NULL OR lease_expires_at <= ${dbNow}) AND status NOT IN ${terminalList}
      ORDER BY created_order
      LIMIT ${limit}
      FOR NO KEY UPDATE SKIP LOCKED
    )
    UPDATE continuum.runs AS r SET ready_since = COALESCE(r.ready_since, nextval('continuum.journal_order')), not_before = NULL
    FROM lost WHERE r.run_id = lost.run_id
    RETURNING r.run_id, pg_notify(${channelOf(NotifyTopic.runReady)}, r.run_id)::text AS notified`.execute(
    tx,
  );
  return woken.rows.length;
}
