import { sql } from "kysely";
import { RunFinishedError, RunNotFoundError } from "../../errors/index.ts";
import { isTerminal, type RunStatus } from "../../model/index.ts";
import type { SendSignalRequest } from "../journal.ts";
import { deliverToInbox } from "./deliver-to-inbox.ts";
import { NotifyTopic } from "../notifier.ts";
import { splitEvent } from "./rows.ts";
import { channelOf, dbNow, inTransaction, json, terminalList, type SqlExecutor } from "./sql-fragments.ts";

/**
 * Locks the run row and checks it can still receive resolutions.
 *
 * Locking: FOR NO KEY UPDATE on the run row, first, so the dedupe insert and the inbox item
 * that follow are serialized against commitStep (which decides readiness under the same lock).
 */
async function lockLiveRun(tx: SqlExecutor, runId: string): Promise<void> {
  const found = await sql<{ status: RunStatus }>`
    SELECT status FROM continuum.runs WHERE run_id = ${runId} FOR NO KEY UPDATE`.execute(tx);
  const run = found.rows[0];
  if (run === undefined) throw new RunNotFoundError(runId);
  if (isTerminal(run.status)) throw new RunFinishedError(runId, run.status);
}

/** Largest signal body sent inside a run_inbox hint (the rest of the hint is ~150 bytes). */
const maxHintedBodyBytes = 6_000;

/**
 * sendSignal: puts a signal in the run's inbox, in one statement (one round trip). With a
 * deliveryId the signal_deliveries primary key makes a repeated delivery a no-op (`accepted:
 * false`), even when two sends race: the second insert waits for the first and then does
 * nothing.
 *
 * Locking: as lockLiveRun, the run row first (FOR NO KEY UPDATE, re-read at its newest version
 * if a step committed meanwhile), so a run that just finished takes nothing; the dedupe row,
 * the inbox item and the row's readiness (deliverToInbox's rules: the row is always rewritten)
 * follow under that lock, and the hint goes out with the commit: run_inbox (the item and the row
 * version it wrote), which also announces the run as ready, or run_ready when the item is too
 * large to ride along.
 */
export async function sendSignal(
  db: SqlExecutor,
  request: SendSignalRequest,
): Promise<{ accepted: boolean }> {
  const { kind, body } = splitEvent({
    kind: "signal_received",
    name: request.name,
    payload: request.payload,
    ...(request.deliveryId === undefined ? {} : { deliveryId: request.deliveryId }),
  });
  const deduped = request.deliveryId !== undefined;
  // The item itself rides along in a run_inbox hint when it fits (NOTIFY payloads stop at 8000
  // bytes), so the engine holding the run can deliver it without a claim.
  const hinted = new TextEncoder().encode(JSON.stringify(body)).length <= maxHintedBodyBytes;
  const sent = await sql<{ status: RunStatus | null; added: number }>`
    WITH live AS (
      SELECT run_id, status FROM continuum.runs WHERE run_id = ${request.runId} FOR NO KEY UPDATE
    ),
    open AS (SELECT run_id FROM live WHERE status NOT IN ${terminalList}),
    ${
      deduped
        ? sql`first_delivery AS (
          INSERT INTO continuum.signal_deliveries (run_id, delivery_id, received_at)
          SELECT run_id, ${request.deliveryId}, ${dbNow} FROM open
          ON CONFLICT DO NOTHING RETURNING run_id),`
        : sql``
    }
    added AS (
      INSERT INTO continuum.inbox (run_id, kind, body, received_at)
      SELECT run_id, ${kind}, ${json(body)}, ${dbNow} FROM ${deduped ? sql`first_delivery` : sql`open`}
      RETURNING id, run_id
    ),
    marked AS (
      UPDATE continuum.runs AS r SET ready_since = COALESCE(r.ready_since, a.id)
      FROM added AS a WHERE r.run_id = a.run_id
      RETURNING r.run_id, a.id, r.xmin::text AS run_version
    )
    SELECT (SELECT status FROM live) AS status,
           (SELECT count(*) FROM marked)::int AS added,
           ${
             hinted
               ? sql`(SELECT count(pg_notify(${channelOf(NotifyTopic.runInbox)},
                        json_build_object('run', run_id, 'id', id, 'v', run_version, 'kind', ${kind}::text, 'body', ${json(body)})::text))
                      FROM marked)::int`
               : sql`0`
           } AS item_hinted,
           ${hinted ? sql`0` : sql`(SELECT count(pg_notify(${channelOf(NotifyTopic.runReady)}, run_id)) FROM marked)`}::int AS hinted`.execute(
    db,
  );
  const row = sent.rows[0];
  if (row?.status === null || row?.status === undefined) throw new RunNotFoundError(request.runId);
  if (isTerminal(row.status)) throw new RunFinishedError(request.runId, row.status);
  return { accepted: Number(row.added) > 0 };
}

/** requestCancel: puts cancel_requested in the run's inbox (same locking as sendSignal). */
export async function requestCancel(db: SqlExecutor, runId: string, reason?: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    await lockLiveRun(tx, runId);
    await deliverToInbox(
      tx,
      [{ runId, event: { kind: "cancel_requested", ...(reason === undefined ? {} : { reason }) } }],
      { lockedLive: true },
    );
  });
}
