import { sql } from "./sql-template.ts";
import type { ResolutionEvent } from "../../model/index.ts";
import { NotifyTopic } from "../notifier.ts";
import { splitEvent } from "./rows.ts";
import { channelOf, dbNow, inList, json, terminalList, type SqlExecutor } from "./sql-fragments.ts";
import { notBeforeAfterDelivery } from "./step-fragments.ts";

/** A resolution addressed to a run. */
export interface InboxDelivery {
  readonly runId: string;
  readonly event: ResolutionEvent;
}

/**
 * Puts resolutions in their runs' inboxes and marks those runs ready, inside the caller's
 * transaction. Items for finished runs are dropped (nobody will ever read them). Each receiving
 * run row is rewritten even when it is ready already: that new row version is what tells a
 * one-statement step commit (commit-step-in-one-statement.ts) that its view of the inbox is stale.
 *
 * Locking: the run rows are locked first, in run_id order (FOR NO KEY UPDATE), and only then
 * are inbox rows inserted and `ready_since` set. commitStep holds the same row lock while it decides
 * whether its run stays ready, so an item is either seen by that decision or sets `ready_since`
 * after it: a wake-up is never lost. The fixed order keeps two deliverers touching the same
 * runs from deadlocking.
 *
 * `lockedLive`: the caller already holds these runs' row locks and saw them live, status not
 * in `terminalList` (sendSignal, requestCancel, and reportToParent after lockParentFirst), so
 * the locking SELECT is skipped: one round trip less, same guarantees.
 *
 * @returns the ids of the runs that received items
 */
export async function deliverToInbox(
  tx: SqlExecutor,
  deliveries: readonly InboxDelivery[],
  options: { readonly lockedLive?: boolean } = {},
): Promise<string[]> {
  if (deliveries.length === 0) return [];
  const runIds = [...new Set(deliveries.map((d) => d.runId))];
  const live =
    options.lockedLive === true
      ? { rows: runIds.map((run_id) => ({ run_id })) }
      : await sql<{ run_id: string }>`
          SELECT run_id FROM continuum.runs
          WHERE run_id IN ${inList(runIds)} AND status NOT IN ${terminalList}
          ORDER BY run_id
          FOR NO KEY UPDATE`.execute(tx);
  const liveIds = new Set(live.rows.map((r) => r.run_id));
  const kept = deliveries.filter((d) => liveIds.has(d.runId));
  if (kept.length === 0) return [];
  const values = kept.map((d) => {
    const { kind, body } = splitEvent(d.event);
    return sql`(${d.runId}, ${kind}, ${json(body)}, ${dbNow})`;
  });
  // The run_ready hints ride in the same statement (one per run marked; sent at commit).
  await sql`
    WITH added AS (
      INSERT INTO continuum.inbox (run_id, kind, body, received_at) VALUES ${sql.join(values)}
      RETURNING id, run_id
    ),
    marked AS (
      UPDATE continuum.runs AS r SET ready_since = COALESCE(r.ready_since, first.id), not_before = ${notBeforeAfterDelivery}
      FROM (SELECT run_id, min(id) AS id FROM added GROUP BY run_id) AS first
      WHERE r.run_id = first.run_id
      RETURNING r.run_id
    ),
    hints AS (SELECT pg_notify(${channelOf(NotifyTopic.runReady)}, run_id) FROM marked)
    SELECT (SELECT count(*) FROM hints)::int AS hints`.execute(tx);
  return [...liveIds];
}
