import { sql } from "kysely";
import type { HistoryEventBody } from "../../model/index.ts";
import { childOutcomeEvent } from "../composition-events.ts";
import { NotifyTopic } from "../notifier.ts";
import { closeChildren } from "./commit-composition.ts";
import { deliverToInbox } from "./deliver-to-inbox.ts";
import { runColumns, splitEvent, type RunRow } from "./rows.ts";
import { dbNow, json, notify, type SqlExecutor } from "./sql-fragments.ts";
import { endCleanup } from "./step-fragments.ts";

/** Locks the run's parent row, if it has one (FOR NO KEY UPDATE): taken before the run's own row. */
export async function lockParentOf(tx: SqlExecutor, runId: string): Promise<void> {
  await sql`
    SELECT p.run_id FROM continuum.runs AS p
    WHERE p.run_id = (SELECT c.parent_run_id FROM continuum.runs AS c WHERE c.run_id = ${runId})
    FOR NO KEY UPDATE`.execute(tx);
}

/**
 * Ends an open run at once, from outside its lease (a start with `idReusePolicy:
 * "terminateExisting"`, a forced cancel of a run no engine holds): it becomes `cancelled` with a `run_cancelled` event, no more of its
 * code runs, its queued work is dropped, its parent hears `child_failed` and its children with
 * policy "cancel" get `cancel_requested`, as when a step ends a run. Returns false when the run
 * had already ended.
 *
 * Locking: the parent row first (FOR NO KEY UPDATE), the order commitStep takes them in, so a
 * child's end and a parent's step cannot deadlock. The UPDATE then locks the run row; a step in
 * flight holds it until it commits, after which the UPDATE re-checks the status on the newest
 * version. It bumps the fencing token and clears the lease: the holder's next commit fails its
 * compare-and-set (LeaseLostError) and writes nothing.
 */
export async function terminateRun(
  tx: SqlExecutor,
  runId: string,
  reason: string | undefined,
  options: { readonly request?: HistoryEventBody } = {},
): Promise<boolean> {
  // The request that ended it (a forced cancel), journaled before the end, as a step would.
  const events: HistoryEventBody[] = [
    ...(options.request === undefined ? [] : [options.request]),
    reason === undefined ? { kind: "run_cancelled" } : { kind: "run_cancelled", reason },
  ];
  await lockParentOf(tx, runId);
  const ended = await sql<RunRow>`
    UPDATE continuum.runs AS r SET
      status = 'cancelled', fencing_token = r.fencing_token + 1, lease_owner = NULL, lease_expires_at = NULL,
      not_before = NULL, ready_since = NULL, last_seq = r.last_seq + ${events.length}, finished_at = ${dbNow}, updated_at = ${dbNow},
      in_process_calls = NULL, has_in_process = false
    WHERE r.run_id = ${runId} AND r.status IN ('running', 'stuck_unknown_version')
    RETURNING ${runColumns}`.execute(tx);
  const run = ended.rows[0];
  if (run === undefined) return false;
  const event = events.at(-1) as HistoryEventBody;
  const lastSeq = Number(run.last_seq);
  const rows = events.map((body, i) => {
    const split = splitEvent(body);
    return sql`(${runId}, ${run.history_month}::date, ${lastSeq - events.length + 1 + i}, ${split.kind}, ${json(split.body)}, ${dbNow})`;
  });
  // One statement: the terminal event and the drop of the run's queued tasks, timers and inbox.
  await sql`
    WITH ${endCleanup(runId)}
    INSERT INTO continuum.events (run_id, history_month, seq, kind, body, at)
    VALUES ${sql.join(rows)}`.execute(tx);
  if (run.parent_run_id !== null && run.parent_identity !== null) {
    const outcome = childOutcomeEvent(run.parent_identity, { status: "cancelled" }, [event]);
    if (outcome !== undefined) await deliverToInbox(tx, [{ runId: run.parent_run_id, event: outcome }]);
  }
  await closeChildren(tx, runId, "cancelled");
  await notify(tx, NotifyTopic.runFinished, [runId]);
  return true;
}
