import { sql } from "kysely";
import type {
  DropEventPartitionsRequest,
  DropEventPartitionsResult,
  EventPartitionInfo,
  EventPartitionMonth,
} from "../../journal-admin.ts";
import type { SqlExecutor } from "../sql-fragments.ts";

// Monthly history partitions: the listing and the drop. The creation and the online conversion
// of rows in the default partition are in ensure-event-partitions.ts.

/** Partition bounds as pg_get_expr prints them: FOR VALUES FROM ('2026-12-01') TO ('2027-01-01'). */
const rangeBound = /FROM \('(\d{4}-\d{2}-\d{2})'\) TO \('(\d{4}-\d{2}-\d{2})'\)/;

/**
 * Every partition of continuum.events with its range, size and rows: the default partition's
 * rows counted exactly, per month (rows there are the ones `ensurePartitions` converts), the
 * others estimated from the planner's statistics (reltuples; -1 before the first ANALYZE),
 * since counting a year of history on every listing would scan it. `countDefault: false` skips
 * the default partition's count (one scan of it) for callers that look only at range partitions.
 */
export async function listEventPartitions(
  db: SqlExecutor,
  { countDefault = true }: { readonly countDefault?: boolean } = {},
): Promise<EventPartitionInfo[]> {
  const parts = await sql<{ name: string; bound: string; estimate: string; bytes: string }>`
    SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound,
      c.reltuples::bigint::text AS estimate, pg_total_relation_size(c.oid)::text AS bytes
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = to_regclass('continuum.events')
    ORDER BY c.relname`.execute(db);
  const months = countDefault ? await defaultPartitionMonths(db) : [];
  const defaultRows = months.reduce((sum, m) => sum + m.rows, 0);
  return parts.rows.map((p): EventPartitionInfo => {
    const bytes = Number(p.bytes);
    if (p.bound === "DEFAULT")
      return { name: p.name, kind: "default", rows: defaultRows, rowsExact: true, bytes, months };
    const match = rangeBound.exec(p.bound);
    return {
      name: p.name,
      kind: "range",
      ...(match === null ? {} : { from: match[1]!, to: match[2]! }),
      rows: Math.max(0, Number(p.estimate)),
      rowsExact: false,
      bytes,
      months: [],
    };
  });
}

/** Rows of the default partition per history month (one scan of it: small once converted). */
export async function defaultPartitionMonths(db: SqlExecutor): Promise<EventPartitionMonth[]> {
  const rows = await sql<{ month: string; rows: string }>`
    SELECT to_char(date_trunc('month', history_month), 'YYYY-MM-DD') AS month, count(*)::text AS rows
    FROM continuum.events_default GROUP BY 1 ORDER BY 1`.execute(db);
  return rows.rows.map((r) => ({ month: r.month, rows: Number(r.rows) }));
}

/**
 * Drops the monthly partitions that end on or before `before` (an ISO date) and before the
 * database clock's month (the current and coming months are never dropped). A month is dropped
 * only when no run that still exists has its history there (runs.history_month in the month):
 * dropping never takes history from a run, open or closed; a month still held is reported with
 * how many open and closed runs hold it (`continuum cleanup` removes closed ones first). The
 * check and the drop are one transaction per month: DROP TABLE takes ACCESS EXCLUSIVE on the
 * partition and on continuum.events for a moment (catalogue only, no scan), behind a 2 s
 * lock_timeout so it never queues writers for long; the runs check reads continuum.runs
 * (a run created now is never in an old month). The default partition is never dropped.
 * With `emptyOnly` (the engine's hourly pass) a partition is first probed for any row, and one
 * that has rows is skipped without the runs check (which scans runs: no index serves it).
 */
export async function dropEventPartitions(
  db: SqlExecutor,
  request: DropEventPartitionsRequest,
): Promise<DropEventPartitionsResult> {
  // Never a partition of this month or a later one: those take the history of new runs.
  const now = await sql<{ month: string }>`
    SELECT to_char(date_trunc('month', continuum.now()), 'YYYY-MM-DD') AS month`.execute(db);
  const limit = [request.before, now.rows[0]!.month].sort()[0]!;
  const listed = (await listEventPartitions(db, { countDefault: false })).filter(
    (p) => p.kind === "range" && p.to !== undefined && p.to <= limit,
  );
  const dropped: EventPartitionInfo[] = [];
  const kept: { partition: EventPartitionInfo; openRuns: number; closedRuns: number }[] = [];
  for (const partition of listed) {
    if (request.emptyOnly === true) {
      const probe = await sql<{ held: boolean }>`
        SELECT EXISTS (SELECT 1 FROM ${sql.table(`continuum.${partition.name}`)}) AS held`.execute(db);
      if (probe.rows[0]?.held !== false) continue;
    }
    const outcome = await db.transaction().execute(async (tx) => {
      const holders = await sql<{ open: string; closed: string }>`
        SELECT count(*) FILTER (WHERE finished_at IS NULL)::text AS open,
          count(*) FILTER (WHERE finished_at IS NOT NULL)::text AS closed
        FROM continuum.runs WHERE history_month >= ${partition.from}::date AND history_month < ${partition.to}::date`.execute(
        tx,
      );
      const open = Number(holders.rows[0]?.open ?? 0);
      const closed = Number(holders.rows[0]?.closed ?? 0);
      if (open + closed > 0 || request.execute !== true) return { open, closed };
      await sql`SET LOCAL lock_timeout = '2s'`.execute(tx);
      await sql`DROP TABLE ${sql.table(`continuum.${partition.name}`)}`.execute(tx);
      return { open, closed };
    });
    if (outcome.open + outcome.closed > 0)
      kept.push({ partition, openRuns: outcome.open, closedRuns: outcome.closed });
    else dropped.push(partition);
  }
  return { before: request.before, executed: request.execute === true, dropped, kept };
}
