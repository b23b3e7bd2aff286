import { sql, type RawBuilder } from "kysely";
import type { AuditCheck, AuditFinding, AuditRecord, Finding } from "../../journal-inspector.ts";
import { sampleLimit } from "../../inspector-limits.ts";
import { toMs, type SqlExecutor } from "../sql-fragments.ts";

// Locking: read-only statements, no locks. Unlike the health report these scan: the history
// check groups every event by run (one pass over events), the others scan runs once each.
// Each check is one statement with its count and its sample (`count(*) OVER ()`), so checks
// may see slightly different snapshots of a journal that engines keep writing.

interface FindingRow {
  run_id: string;
  detail: string;
  total: string | number;
}

/** The journal's invariants (see auditChecks), checked by the database. */
export async function auditJournal(
  db: SqlExecutor,
  request: { readonly sampleLimit?: number } = {},
): Promise<AuditRecord> {
  const limit = sampleLimit(request.sampleLimit);
  const rows = Math.max(1, limit);
  const nowRow = await sql<{ now: Date; runs: string | number }>`
    SELECT continuum.now() AS now, (SELECT count(*) FROM continuum.runs) AS runs`.execute(db);
  const head = nowRow.rows[0] as { now: Date; runs: string | number };
  const check = async (query: RawBuilder<unknown>): Promise<Finding<AuditFinding>> => {
    const result = await sql<FindingRow>`
      SELECT f.run_id, f.detail, count(*) OVER () AS total FROM (${query}) AS f
      ORDER BY f.run_id COLLATE "C", f.detail COLLATE "C"
      LIMIT ${rows}`.execute(db);
    return {
      count: Number(result.rows[0]?.total ?? 0),
      sample: result.rows.slice(0, limit).map((row) => ({ runId: row.run_id, detail: row.detail })),
    };
  };
  const history = sql`
    SELECT r.run_id, r.last_seq, coalesce(e.n, 0) AS n, coalesce(e.distinct_seqs, 0) AS distinct_seqs,
      coalesce(e.max_seq, 0) AS max_seq, e.min_seq
    FROM continuum.runs r
    LEFT JOIN (SELECT run_id, count(*) AS n, count(DISTINCT seq) AS distinct_seqs, max(seq) AS max_seq,
                      min(seq) AS min_seq
               FROM continuum.events GROUP BY run_id) AS e ON e.run_id = r.run_id`;
  const findings: Record<AuditCheck, Finding<AuditFinding>> = {
    history_gaps: await check(sql`
      SELECT h.run_id, h.distinct_seqs || ' distinct event(s), highest seq ' || h.max_seq || ', lastSeq ' || h.last_seq AS detail
      FROM (${history}) AS h
      WHERE h.distinct_seqs <> h.last_seq OR h.max_seq <> h.last_seq OR (h.n > 0 AND h.min_seq <> 1)`),
    history_duplicates: await check(sql`
      SELECT h.run_id, (h.n - h.distinct_seqs) || ' duplicate seq(s)' AS detail
      FROM (${history}) AS h WHERE h.n > h.distinct_seqs`),
    orphan_events: await check(sql`
      SELECT e.run_id, count(*) || ' event(s) of a run that does not exist' AS detail
      FROM continuum.events e
      WHERE NOT EXISTS (SELECT 1 FROM continuum.runs r WHERE r.run_id = e.run_id)
      GROUP BY e.run_id`),
    missing_parents: await check(sql`
      SELECT r.run_id, 'parent ' || r.parent_run_id || ' does not exist' AS detail
      FROM continuum.runs r
      WHERE r.parent_run_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM continuum.runs p WHERE p.run_id = r.parent_run_id)`),
    broken_chains: await check(sql`
      SELECT r.run_id, 'successor ' || r.continued_to || ' does not exist' AS detail
      FROM continuum.runs r
      WHERE r.continued_to IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM continuum.runs s WHERE s.run_id = r.continued_to)`),
    finished_runs_with_work: await check(sql`
      SELECT w.run_id, w.status || ' but has ' || array_to_string(ARRAY[
          CASE WHEN w.lease_owner IS NOT NULL THEN 'a lease' END,
          CASE WHEN w.inbox > 0 THEN w.inbox || ' inbox item(s)' END,
          CASE WHEN w.timers > 0 THEN w.timers || ' timer(s)' END,
          CASE WHEN w.queued > 0 THEN w.queued || ' queued task(s)' END], ', ') AS detail
      FROM (
        SELECT r.run_id, r.status, r.lease_owner,
          (SELECT count(*) FROM continuum.inbox i WHERE i.run_id = r.run_id) AS inbox,
          (SELECT count(*) FROM continuum.timers t WHERE t.run_id = r.run_id) AS timers,
          (SELECT count(*) FROM continuum.tasks k WHERE k.run_id = r.run_id AND k.status = 'pending' AND NOT k.detached) AS queued
        FROM continuum.runs r WHERE r.status IN ('completed', 'failed', 'cancelled', 'continued')) AS w
      WHERE w.lease_owner IS NOT NULL OR w.inbox > 0 OR w.timers > 0 OR w.queued > 0`),
    leases_past_expiry: await check(sql`
      SELECT r.run_id, 'run lease of ' || r.lease_owner || ' expired' AS detail
      FROM continuum.runs r
      WHERE r.status IN ('running', 'stuck_unknown_version') AND r.lease_owner IS NOT NULL
        AND r.lease_expires_at < continuum.now()
      UNION ALL
      SELECT k.run_id, 'attempt ' || k.attempt || ' of task ' || k.task_id || ' (' || k.activity_name || ') expired'
      FROM continuum.tasks k WHERE k.status = 'running' AND k.deadline < continuum.now()`),
  };
  return { now: toMs(head.now), runs: Number(head.runs), findings };
}
