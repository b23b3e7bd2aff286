import { sql } from "kysely";
import { RunFinishedError, RunNotFoundError } from "../../errors/index.ts";
import { isTerminal, type ResolutionEvent, type RunStatus } from "../../model/index.ts";
import { cancelRequestedEvent } from "../journal.ts";
import type { CancelRequestOptions, InboxItem, SendSignalRequest } from "../journal.ts";
import { deliverToInbox } from "./deliver-to-inbox.ts";
import { lockParentOf, terminateRun } from "./terminate-run.ts";
import { NotifyTopic } from "../notifier.ts";
import { splitEvent } from "./rows.ts";
import { channelOf, dbNow, inTransaction, terminalList, toMs, type SqlExecutor } from "./sql-fragments.ts";
import { notBeforeAfterDelivery } from "./step-fragments.ts";

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

/**
 * sendSignal: puts a signal in the run's inbox, in one statement (one round trip). With a
 * deliveryId the signal_deliveries primary key makes a repeated delivery a no-op (`accepted:
 * false`), even when two sends race: the second insert waits for the first and then does
 * nothing. Returns the stored item when one was added (the journal keeps it for a moment, see
 * recent-signals.ts).
 *
 * Locking: as lockLiveRun, the run row first (FOR NO KEY UPDATE, re-read at its newest version
 * if a step committed meanwhile), so a run that just finished takes nothing; the dedupe row,
 * the inbox item and the row's readiness (deliverToInbox's rules: the row is always rewritten)
 * follow under that lock, and the hint goes out with the commit: run_inbox with the run id, the
 * item id and the row version the delivery wrote (never the signal: any role that can connect
 * may LISTEN), which also announces the run as ready.
 */
export async function sendSignal(
  db: SqlExecutor,
  request: SendSignalRequest,
): Promise<{ accepted: boolean; item?: InboxItem; storedLength?: number }> {
  const { kind, body } = splitEvent({
    kind: "signal_received",
    name: request.name,
    payload: request.payload,
    ...(request.deliveryId === undefined ? {} : { deliveryId: request.deliveryId }),
  });
  const deduped = request.deliveryId !== undefined;
  // The text stored is the item: the copy kept in memory is parsed from it, so it is what a
  // read of the row returns, and the caller's later mutations of the payload cannot reach it.
  const stored = JSON.stringify(body);
  const sent = await sql<{ status: RunStatus | null; item_id: string | null; received_at: Date | null }>`
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
      SELECT run_id, ${kind}, ${stored}::text::json, ${dbNow} FROM ${deduped ? sql`first_delivery` : sql`open`}
      RETURNING id, run_id, received_at
    ),
    marked AS (
      UPDATE continuum.runs AS r SET ready_since = COALESCE(r.ready_since, a.id), not_before = ${notBeforeAfterDelivery}
      FROM added AS a WHERE r.run_id = a.run_id
      RETURNING r.run_id, a.id, a.received_at, r.xmin::text AS run_version
    )
    SELECT (SELECT status FROM live) AS status,
           (SELECT id::text FROM marked) AS item_id,
           (SELECT received_at FROM marked) AS received_at,
           -- The same text as formatInboxHint: ids and a version, nothing the signal carries.
           (SELECT count(pg_notify(${channelOf(NotifyTopic.runInbox)}, run_id || ':' || id || ':' || run_version))
              FROM marked)::int AS hinted`.execute(db);
  const row = sent.rows[0];
  if (row?.status === null || row?.status === undefined) throw new RunNotFoundError(request.runId);
  if (isTerminal(row.status)) throw new RunFinishedError(request.runId, row.status);
  if (row.item_id === null || row.received_at === null) return { accepted: false };
  const item: InboxItem = {
    id: Number(row.item_id),
    runId: request.runId,
    event: { kind: "signal_received", ...(JSON.parse(stored) as object) } as ResolutionEvent,
    receivedAt: toMs(row.received_at),
  };
  return { accepted: true, item, storedLength: stored.length };
}

/**
 * requestCancel: puts cancel_requested in the run's inbox (same locking as sendSignal). A
 * forced cancel of a run without a live lease terminates it at once instead (terminateRun:
 * parent row, then the run row; the fencing token bump keeps any later holder from writing).
 */
export async function requestCancel(
  db: SqlExecutor,
  runId: string,
  reason?: string,
  options?: CancelRequestOptions,
): Promise<void> {
  await inTransaction(db, async (tx) => {
    // A run still waiting in its queue, or a delayed start not started yet, never ran any code: a
    // cancel ends it at once, as a forced one.
    const endNow =
      options?.force === true || (await stillQueued(tx, runId)) || (await delayedNotStarted(tx, runId));
    // A cancel that may end the run here locks its parent's row first, as terminateRun does.
    if (endNow) await lockParentOf(tx, runId);
    await lockLiveRun(tx, runId);
    const event = cancelRequestedEvent(reason, options);
    // Forced (or not started yet), and no engine holds a live lease (none can step it:
    // unregistered, drifted, stuck, or its holder died): ended here, under the run row lock,
    // fencing off any later holder.
    if (endNow && !(await leasedLive(tx, runId))) {
      await terminateRun(tx, runId, reason, { request: event });
      return;
    }
    await deliverToInbox(tx, [{ runId, event }], { lockedLive: true });
  });
}

/** Whether the run waits in a queue, not dequeued yet (read before any lock: a hint for the lock order). */
async function stillQueued(tx: SqlExecutor, runId: string): Promise<boolean> {
  const found = await sql<{ queued: boolean }>`
    SELECT (queue_name IS NOT NULL AND dequeued_at IS NULL) AS queued
    FROM continuum.runs WHERE run_id = ${runId}`.execute(tx);
  return found.rows[0]?.queued === true;
}

/** Whether the run is a delayed start that no step has taken yet (see migration 0012). */
async function delayedNotStarted(tx: SqlExecutor, runId: string): Promise<boolean> {
  const found = await sql<{ pending: boolean }>`
    SELECT (start_at IS NOT NULL AND not_before IS NOT NULL AND last_seq = 1) AS pending
    FROM continuum.runs WHERE run_id = ${runId}`.execute(tx);
  return found.rows[0]?.pending === true;
}

/** Whether an engine holds the (locked) run's lease and it has not expired by the journal clock. */
async function leasedLive(tx: SqlExecutor, runId: string): Promise<boolean> {
  const found = await sql<{ live: boolean }>`
    SELECT (lease_owner IS NOT NULL AND lease_expires_at > ${dbNow}) AS live
    FROM continuum.runs WHERE run_id = ${runId}`.execute(tx);
  return found.rows[0]?.live === true;
}
