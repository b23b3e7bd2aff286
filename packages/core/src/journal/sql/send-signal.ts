import { sql } from "kysely";
import { RunFinishedError, RunNotFoundError } from "../../errors/index.ts";
import { isTerminal, type RunStatus } from "../../model/index.ts";
import type { SendSignalRequest } from "../journal.ts";
import { deliverToInbox } from "./deliver-to-inbox.ts";
import { dbNow, inTransaction, type SqlExecutor } from "./sql-fragments.ts";

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
 * sendSignal: puts a signal in the run's inbox. With a deliveryId the signal_deliveries primary
 * key makes a repeated delivery a no-op (`accepted: false`), even when two sends race: the
 * second insert waits for the first and then does nothing.
 */
export async function sendSignal(db: SqlExecutor, request: SendSignalRequest): Promise<{ accepted: boolean }> {
  return inTransaction(db, async (tx) => {
    await lockLiveRun(tx, request.runId);
    if (request.deliveryId !== undefined) {
      const inserted = await sql`
        INSERT INTO continuum.signal_deliveries (run_id, delivery_id, received_at)
        VALUES (${request.runId}, ${request.deliveryId}, ${dbNow})
        ON CONFLICT DO NOTHING`.execute(tx);
      if (Number(inserted.numAffectedRows ?? 0) === 0) return { accepted: false };
    }
    await deliverToInbox(tx, [
      {
        runId: request.runId,
        event: {
          kind: "signal_received",
          name: request.name,
          payload: request.payload,
          ...(request.deliveryId === undefined ? {} : { deliveryId: request.deliveryId }),
        },
      },
    ], { lockedLive: true }); // lockLiveRun holds the row: lock it once
    return { accepted: true };
  });
}

/** requestCancel: puts cancel_requested in the run's inbox (same locking as sendSignal). */
export async function requestCancel(db: SqlExecutor, runId: string, reason?: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    await lockLiveRun(tx, runId);
    await deliverToInbox(tx, [{ runId, event: { kind: "cancel_requested", ...(reason === undefined ? {} : { reason }) } }], { lockedLive: true });
  });
}
