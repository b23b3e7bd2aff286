import { sql } from "kysely";
import { NotifyTopic } from "../notifier.ts";
import { channelOf, dbNow, type SqlExecutor } from "./sql-fragments.ts";

/**
 * Makes up to `limit` delayed starts whose start time has come (by the database clock) ready
 * for their first step: ready_since from the journal order, as a new run gets, and a run_ready
 * hint at commit. Part of the timer wheel (fireDueTimers).
 *
 * Locking: the due rows are found on runs_delayed_start_idx and taken FOR NO KEY UPDATE SKIP
 * LOCKED in the same statement, so timer wheels of several engines split them, and a run being
 * cancelled or signalled right now (its row locked) is simply left for the next round. A run
 * that a signal made ready already is not in the index (ready_since set) and is left as it is.
 *
 * @returns how many became ready
 */
export async function activateDelayedStarts(tx: SqlExecutor, limit: number): Promise<number> {
  if (limit <= 0) return 0;
  const activated = await sql<{ run_id: string }>`
    WITH due AS (
      SELECT run_id FROM continuum.runs
      WHERE start_at IS NOT NULL AND not_before IS NOT NULL AND ready_since IS NULL AND not_before <= ${dbNow}
        AND status = 'running'
      ORDER BY not_before
      LIMIT ${limit}
      FOR NO KEY UPDATE SKIP LOCKED
    )
    UPDATE continuum.runs AS r SET ready_since = nextval('continuum.journal_order')
    FROM due WHERE r.run_id = due.run_id
    RETURNING r.run_id, pg_notify(${channelOf(NotifyTopic.runReady)}, r.run_id)::text AS notified`.execute(
    tx,
  );
  return activated.rows.length;
}
