import { sql } from "kysely";
import { NotifyTopic } from "../notifier.ts";
import type { ReleaseRunOptions, RunLeaseRef } from "../journal.ts";
import {
  inTransaction,
  dbNow,
  dbNowPlus,
  msInterval,
  notify,
  terminalList,
  type SqlExecutor,
} from "./sql-fragments.ts";

/**
 * renewRunLeases: extends every lease `owner` still holds, in one statement.
 *
 * Locking: a plain UPDATE joined to the (run_id, token) pairs: it waits only for a concurrent
 * writer of the same run (the row lock), then re-checks owner and token on the new row
 * version, so a lease taken over meanwhile is reported lost, never extended.
 *
 * @returns ids of the runs whose lease was lost
 */
export async function renewRunLeases(
  db: SqlExecutor,
  owner: string,
  leases: readonly RunLeaseRef[],
  leaseMs: number,
): Promise<string[]> {
  // In run id order, as group commit locks run rows (commit-steps-in-batch.ts): a renewal and
  // a batch of steps of the same engine's runs then never wait on each other in a cycle.
  const mine = leases
    .filter((l) => l.owner === owner)
    .sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
  if (mine.length === 0) return leases.map((l) => l.runId);
  const pairs = mine.map((l) => sql`(${l.runId}::text, ${l.fencingToken}::bigint)`);
  const renewed = await sql<{ run_id: string }>`
    UPDATE continuum.runs AS r SET lease_expires_at = ${dbNow} + ${msInterval(leaseMs)}
    FROM (VALUES ${sql.join(pairs)}) AS l(run_id, fencing_token)
    WHERE r.run_id = l.run_id AND r.fencing_token = l.fencing_token AND r.lease_owner = ${owner}
      AND r.status NOT IN ${terminalList}
    RETURNING r.run_id`.execute(db);
  const kept = new Set(renewed.rows.map((r) => r.run_id));
  return leases.filter((l) => !kept.has(l.runId)).map((l) => l.runId);
}

/**
 * releaseRun: gives a lease back so another engine can take the run at once. Fenced: a lease
 * that is no longer current changes nothing (and is not an error). Same locking as renew.
 * `notBeforeMs` defers the run (claims skip it until then); a plain release lifts a deferral.
 */
export async function releaseRun(
  db: SqlExecutor,
  lease: RunLeaseRef,
  options: ReleaseRunOptions = {},
): Promise<void> {
  const deferred = options.notBeforeMs !== undefined;
  const notBefore =
    options.notBeforeMs === undefined ? sql`NULL` : dbNowPlus("releaseRun notBeforeMs", options.notBeforeMs);
  await inTransaction(db, async (tx) => {
    const released = await sql<{ ready: boolean }>`
      UPDATE continuum.runs SET lease_owner = NULL, lease_expires_at = NULL, not_before = ${notBefore}
      WHERE run_id = ${lease.runId} AND fencing_token = ${lease.fencingToken} AND lease_owner = ${lease.owner}
      RETURNING ready`.execute(tx);
    // A deferred run is not claimable now: announcing it would only wake engines for nothing.
    if (!deferred && released.rows[0]?.ready === true) await notify(tx, NotifyTopic.runReady, [lease.runId]);
  });
}
