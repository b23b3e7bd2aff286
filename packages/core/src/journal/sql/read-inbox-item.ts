import { sql } from "kysely";
import type { InboxItem } from "../journal.ts";
import { toInboxItem, type InboxRow } from "./rows.ts";
import type { SqlExecutor } from "./sql-fragments.ts";

/**
 * readInboxItem: one undelivered inbox item of a run, by its id. The engine holding a run calls
 * it for the item a `run_inbox` hint announced (hints carry ids only), then steps the run with it.
 *
 * Locking: none. A plain read by primary key (the run id is checked too, so a hint naming the
 * wrong run reads nothing). The item may be delivered by a concurrent step right after it was
 * read: the step that delivers it again is refused by commitStep (`delivered` names an item no
 * longer in the inbox), which is the check that counts.
 */
export async function readInboxItem(
  db: SqlExecutor,
  runId: string,
  inboxId: number,
): Promise<InboxItem | undefined> {
  const found = await sql<InboxRow>`
    SELECT id, run_id, kind, body, received_at FROM continuum.inbox
    WHERE id = ${inboxId} AND run_id = ${runId}`.execute(db);
  const row = found.rows[0];
  return row === undefined ? undefined : toInboxItem(row);
}
