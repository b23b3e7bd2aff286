import { sql } from "kysely";
import type { RepairItem, RepairResult } from "../../journal-admin.ts";
import { NotifyTopic } from "../../notifier.ts";
import { deliverToInbox } from "../deliver-to-inbox.ts";
import { dbNow, fromEpochMs, inTransaction, notify, type SqlExecutor } from "../sql-fragments.ts";

/**
 * Applies a repair plan, each item fenced by the state it was planned against (see RepairItem):
 * one guarded statement per item, all in one transaction, so an item either changes exactly its
 * row or nothing. Locking: each UPDATE/DELETE takes its row's lock and re-checks the guard on
 * the newest row version (an engine's commit in flight is waited for, then the guard fails if
 * the commit changed the row). Timers are taken without SKIP LOCKED: a timer wheel firing the
 * same timer at the same moment makes one of the two find no row, and that item is skipped.
 */
export async function executeRepair(db: SqlExecutor, items: readonly RepairItem[]): Promise<RepairResult> {
  return inTransaction(db, async (tx) => {
    const applied: RepairItem[] = [];
    const skipped: RepairItem[] = [];
    const ready: string[] = [];
    for (const item of items) {
      const done = await applyOne(tx, item);
      (done ? applied : skipped).push(item);
      if (done && item.kind !== "fire_timer") ready.push(item.runId);
    }
    await notify(tx, NotifyTopic.runReady, ready);
    return { applied, skipped };
  });
}

async function applyOne(tx: SqlExecutor, item: RepairItem): Promise<boolean> {
  switch (item.kind) {
    case "release_lease": {
      const released = await sql`
        UPDATE continuum.runs SET lease_owner = NULL, lease_expires_at = NULL,
          fencing_token = fencing_token + 1, updated_at = ${dbNow}
        WHERE run_id = ${item.runId} AND status IN ('running', 'stuck_unknown_version')
          AND fencing_token = ${item.fencingToken} AND lease_owner = ${item.leaseOwner}
          AND lease_expires_at = ${fromEpochMs(item.leaseExpiresAt)} AND lease_expires_at <= ${dbNow}`.execute(
        tx,
      );
      return Number(released.numAffectedRows ?? 0) === 1;
    }
    case "mark_ready": {
      const marked = await sql`
        UPDATE continuum.runs SET ready_since = nextval('continuum.journal_order'), updated_at = ${dbNow}
        WHERE run_id = ${item.runId} AND status = 'running' AND ready_since IS NULL
          AND last_seq = ${item.lastSeq} AND updated_at = ${fromEpochMs(item.updatedAt)}`.execute(tx);
      return Number(marked.numAffectedRows ?? 0) === 1;
    }
    case "fire_timer": {
      const fired = await sql<{ run_id: string }>`
        DELETE FROM continuum.timers
        WHERE run_id = ${item.runId} AND identity = ${item.identity}
          AND fire_at = ${fromEpochMs(item.fireAt)} AND fire_at <= ${dbNow}
        RETURNING run_id`.execute(tx);
      if (fired.rows.length === 0) return false;
      await deliverToInbox(tx, [
        { runId: item.runId, event: { kind: "timer_fired", identity: item.identity } },
      ]);
      return true;
    }
  }
}
