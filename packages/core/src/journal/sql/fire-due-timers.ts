import { sql } from "kysely";
import type { EffectIdentity } from "../../model/index.ts";
import { wakeLostAttempts } from "./wake-lost-attempts.ts";
import { activateDelayedStarts } from "./activate-delayed-starts.ts";
import { deliverToInbox } from "./deliver-to-inbox.ts";
import { inTransaction, dbNow, type SqlExecutor } from "./sql-fragments.ts";

/**
 * fireDueTimers: moves up to `limit` due timers (by the database clock) into their runs'
 * inboxes as timer_fired, in fire order.
 *
 * Locking: the due timer rows are taken FOR UPDATE SKIP LOCKED and deleted in one statement,
 * so several timer wheels share the work and each timer fires once; then the run rows are
 * locked (deliverToInbox). commitStep locks in the opposite order but skips locked timers when
 * cancelling, so the two never deadlock.
 *
 * Due delayed starts are made ready in the same call (activateDelayedStarts), within `limit`,
 * and so are runs whose in-process attempts lost their engine (wakeLostAttempts).
 *
 * @returns how many timers fired and delayed starts became ready
 */
export async function fireDueTimers(db: SqlExecutor, limit: number): Promise<number> {
  if (limit <= 0) return 0;
  return inTransaction(db, async (tx) => {
    const fired = await sql<{ run_id: string; identity: EffectIdentity; fire_at: Date }>`
      DELETE FROM continuum.timers AS t
      USING (
        SELECT run_id, identity FROM continuum.timers
        WHERE fire_at <= ${dbNow}
        ORDER BY fire_at, created_at, run_id, identity
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      ) AS due
      WHERE t.run_id = due.run_id AND t.identity = due.identity
      RETURNING t.run_id, t.identity, t.fire_at, t.created_at`.execute(tx);
    const ordered = fired.rows.sort((a, b) => a.fire_at.getTime() - b.fire_at.getTime());
    await deliverToInbox(
      tx,
      ordered.map((row) => ({ runId: row.run_id, event: { kind: "timer_fired", identity: row.identity } })),
    );
    const activated = await activateDelayedStarts(tx, limit - fired.rows.length);
    const woken = await wakeLostAttempts(tx, limit - fired.rows.length - activated);
    return fired.rows.length + activated + woken;
  });
}
