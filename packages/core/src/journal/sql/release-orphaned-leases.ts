import { sql } from "kysely";
import { dbNow, inTransaction, type SqlExecutor } from "./sql-fragments.ts";

/** What {@link releaseOrphanedLeases} ended: run leases and running activity attempts. */
export interface ReleasedLeases {
  readonly runs: number;
  readonly attempts: number;
}

/**
 * Ends every live run lease and running activity attempt in an embedded database this process
 * has just opened, so that a restart after `kill -9` resumes its runs at once instead of waiting
 * out the dead process's leases (30 s by default) in silence.
 *
 * Why this is safe only here: an embedded data directory is locked to one process
 * (data-dir-lock.ts), and this runs right after the lock was taken and before any engine of
 * this process exists. Every lease in the database therefore belongs to a process that has
 * closed the directory or died holding it; nothing else can commit under it. A server database
 * never gets this: there, other live processes hold leases.
 *
 * What it changes is exactly what the passing of time would: a lease's expiry and an attempt's
 * deadline move to now (by the database clock, as every lease test reads it). Fencing tokens are
 * untouched; the next claim bumps them, as after any expiry. An attempt that was its activity's
 * last is then failed by the next claim, as a timed-out one would be.
 *
 * Locking: two plain UPDATEs in one transaction; no other connection exists (PGlite is one).
 */
export async function releaseOrphanedLeases(db: SqlExecutor): Promise<ReleasedLeases> {
  return inTransaction(db, async (tx) => {
    // A run's in-process attempts (no task rows) count as its attempts: the timer wheel wakes
    // the run now that its lease is over, and its next claim re-issues them.
    const runs = await sql<{ in_process: number }>`
      UPDATE continuum.runs SET lease_expires_at = ${dbNow}
      WHERE lease_expires_at > ${dbNow}
      RETURNING coalesce(cardinality(in_process_calls), 0) AS in_process`.execute(tx);
    const attempts = await sql`
      UPDATE continuum.tasks SET deadline = ${dbNow}, available_at = ${dbNow}
      WHERE status = 'running' AND deadline > ${dbNow}`.execute(tx);
    const inProcess = runs.rows.reduce((sum, row) => sum + Number(row.in_process), 0);
    return { runs: runs.rows.length, attempts: Number(attempts.numAffectedRows ?? 0n) + inProcess };
  });
}
