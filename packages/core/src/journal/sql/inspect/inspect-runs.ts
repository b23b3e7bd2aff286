import { sql } from "kysely";
import type { RunStatus } from "../../../model/index.ts";
import type { InspectedRunPage, RunCounts, RunPageRequest, RunQuery } from "../../journal-inspector.ts";
import { emptyCounts, runPageLimit } from "../../inspector-limits.ts";
import { pageCursors } from "../../run-page-cursors.ts";
import { runColumns, toRunRecord, type RunRow } from "../rows.ts";
import type { SqlExecutor } from "../sql-fragments.ts";
import { runQueryConditions, whereAll } from "./run-query-conditions.ts";

// Locking: read-only single statements, no locks (an MVCC snapshot of committed rows). The
// runs page walks runs_order_idx (created_order DESC) or, with a status, runs_status_idx, and
// stops after limit + 1 rows; a name (and version) filter uses runs_workflow_version_idx (0009).

/** The runs page: newest first; `after` pages to older runs, `before` to newer ones. */
export async function inspectRuns(db: SqlExecutor, request: RunPageRequest): Promise<InspectedRunPage> {
  const conditions = runQueryConditions(request);
  if (conditions === undefined) return { runs: [] };
  const limit = runPageLimit(request.limit);
  const before = cursor(request.before);
  if (before !== undefined) {
    const result = await sql<RunRow>`
      SELECT ${runColumns} FROM continuum.runs r
      WHERE ${whereAll(conditions)} AND r.created_order > ${before}
      ORDER BY r.created_order ASC
      LIMIT ${limit + 1}`.execute(db);
    const page = result.rows.slice(0, limit).reverse();
    return pageCursors(
      page.map(toRunRecord),
      page[0]?.created_order,
      page.at(-1)?.created_order,
      result.rows.length > limit,
      true,
      true,
    );
  }
  const after = cursor(request.after);
  const result = await sql<RunRow>`
    SELECT ${runColumns} FROM continuum.runs r
    WHERE ${whereAll(conditions)} ${after === undefined ? sql`` : sql`AND r.created_order < ${after}`}
    ORDER BY r.created_order DESC
    LIMIT ${limit + 1}`.execute(db);
  const page = result.rows.slice(0, limit);
  return pageCursors(
    page.map(toRunRecord),
    page[0]?.created_order,
    page.at(-1)?.created_order,
    result.rows.length > limit,
    after !== undefined,
  );
}

/** Runs per status for the query: one grouped scan of the matching rows. */
export async function countRuns(db: SqlExecutor, query: RunQuery): Promise<RunCounts> {
  const counts = emptyCounts();
  const conditions = runQueryConditions(query);
  if (conditions !== undefined) {
    const result = await sql<{ status: RunStatus; n: string | number }>`
      SELECT r.status, count(*) AS n FROM continuum.runs r
      WHERE ${whereAll(conditions)}
      GROUP BY r.status`.execute(db);
    for (const row of result.rows) counts[row.status] = Number(row.n);
  }
  return { ...counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
}

function cursor(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,18}$/.test(text)) return undefined;
  return Number(text);
}
