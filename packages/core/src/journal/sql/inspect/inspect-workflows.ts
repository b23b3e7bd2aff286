import { sql, type RawBuilder } from "kysely";
import type { RunStatus } from "../../../model/index.ts";
import type { WorkflowVersionRecord } from "../../journal-inspector.ts";
import { emptyCounts } from "../../inspector-limits.ts";
import { toMs, type SqlExecutor } from "../sql-fragments.ts";

// Locking: one read-only statement, no locks. It groups every run of the namespace (a scan of
// runs, or of runs_workflow_version_idx): fine for the CLI and the Observer's workflows page;
// at millions of runs this is the query to cache.

/** Runs per (workflow name, version hash) and status; `where` narrows the runs (alias `r`). */
export async function inspectWorkflows(
  db: SqlExecutor,
  namespace: string | undefined,
  where: RawBuilder<unknown> = sql`true`,
): Promise<WorkflowVersionRecord[]> {
  const result = await sql<{
    workflow_name: string;
    version_hash: string;
    status: RunStatus;
    n: string | number;
    last: Date;
  }>`
    SELECT r.workflow_name, r.version_hash, r.status, count(*) AS n, max(r.created_at) AS last
    FROM continuum.runs r
    WHERE ${where} ${namespace === undefined ? sql`` : sql`AND r.namespace = ${namespace}`}
    GROUP BY r.workflow_name, r.version_hash, r.status
    ORDER BY r.workflow_name COLLATE "C", r.version_hash COLLATE "C"`.execute(db);
  const byVersion = new Map<
    string,
    { name: string; hash: string; counts: Record<RunStatus, number>; last: number }
  >();
  for (const row of result.rows) {
    const key = `${row.workflow_name}\u0000${row.version_hash}`;
    const entry = byVersion.get(key) ?? {
      name: row.workflow_name,
      hash: row.version_hash,
      counts: emptyCounts(),
      last: 0,
    };
    entry.counts[row.status] = Number(row.n);
    entry.last = Math.max(entry.last, toMs(row.last));
    byVersion.set(key, entry);
  }
  return [...byVersion.values()].map((entry) => ({
    workflowName: entry.name,
    versionHash: entry.hash,
    counts: { ...entry.counts, total: Object.values(entry.counts).reduce((a, b) => a + b, 0) },
    lastStartedAt: entry.last,
  }));
}
