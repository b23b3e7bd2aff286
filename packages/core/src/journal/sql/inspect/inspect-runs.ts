import { sql, type RawBuilder } from "kysely";
import type { RunStatus } from "../../../model/index.ts";
import type { InspectedRunPage, RunCounts, RunPageRequest, RunQuery } from "../../journal-inspector.ts";
import { emptyCounts, runPageLimit } from "../../inspector-limits.ts";
import { pageCursors } from "../../run-page-cursors.ts";
import { runColumns, toRunRecord, type RunRow } from "../rows.ts";
import type { SqlExecutor } from "../sql-fragments.ts";
import { runQueryConditions, whereAll } from "./run-query-conditions.ts";

// Locking: read-only single statements, no locks (an MVCC snapshot of committed rows). The
// runs page walks runs_order_idx (created_order DESC) and stops after limit + 1 rows; a rare
// workflow name goes through runs_workflow_name_idx and an id prefix through the
// text_pattern_ops indexes (0009, runs_workflow_id_idx since 0019). inspect-plans-pg.test.ts checks the plans on 10k runs.
// Counts group every matching row: a scan, a few ms per 10k runs.

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
  const result = await runsPageQuery(request).execute(db);
  const page = result.rows.slice(0, limit);
  return pageCursors(
    page.map(toRunRecord),
    page[0]?.created_order,
    page.at(-1)?.created_order,
    result.rows.length > limit,
    after !== undefined,
  );
}

/** The forward (`after`) runs page statement: limit + 1 rows, newest first. Exported for plan tests. */
export function runsPageQuery(request: RunPageRequest): RawBuilder<RunRow> {
  const conditions = runQueryConditions(request) ?? [sql`false`];
  const after = cursor(request.after);
  // With an id prefix, `+ 0` keeps the planner off runs_order_idx: walking it newest first and
  // filtering looks cheap to a generic plan, but scans every run when the prefix is rare. The
  // prefix indexes find the few matches, which are then sorted.
  const order =
    request.idPrefix === undefined || request.idPrefix === ""
      ? sql`r.created_order`
      : sql`(r.created_order + 0)`;
  return sql<RunRow>`
    SELECT ${runColumns} FROM continuum.runs r
    WHERE ${whereAll(conditions)} ${after === undefined ? sql`` : sql`AND ${order} < ${after}`}
    ORDER BY ${order} DESC
    LIMIT ${runPageLimit(request.limit) + 1}`;
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
