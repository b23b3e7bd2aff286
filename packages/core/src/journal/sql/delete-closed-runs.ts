import { sql, type RawBuilder } from "kysely";
import type { ClosedRunSummary, DeleteClosedRunsRequest, DeleteClosedRunsResult } from "../journal.ts";
import type { RunStatus } from "../../model/index.ts";
import { fromEpochMs, inTransaction, terminalList, toMs, type SqlExecutor } from "./sql-fragments.ts";

interface TreeRunRow {
  run_id: string;
  root_id: string;
  namespace: string;
  workflow_name: string;
  workflow_id: string;
  status: RunStatus;
  finished_at: Date;
  last_seq: number;
  tree_runs: string | number;
}

/**
 * deleteClosedRuns (retention, `continuum cleanup`): deletes whole closed run trees.
 *
 * Selection: root runs (no parent, not a successor) that closed before the cutoff, through the
 * partial index runs_closed_roots_idx (migration 0011); each tree is grown with a recursive CTE
 * over chain_id (the root's successors: runs_chain_idx holds successors only, 0019) and
 * parent_run_id (descendants, runs_parent_idx), and
 * kept only when all its runs are closed before the cutoff and none has a pending or running
 * task. Trees are taken oldest close first until the batch holds `limit` runs.
 *
 * Locking: the batch's run rows are locked FOR UPDATE, then the selection is run again for
 * those roots only, in the same transaction: a run that changed meanwhile (reopened by an
 * operator, a detached task retried) drops its tree from the batch. Closed runs take no new
 * rows (no inbox item, no task, no child), so once locked and re-checked the tree stays
 * deletable. History events have no foreign key (partitioned table) and are deleted
 * explicitly; tasks, timers, inbox, delivery ids and snapshots are deleted explicitly too, so
 * that the counts are exact, before the runs. Engines never lock closed runs, so the batch
 * waits on nobody; a small `limit` keeps each transaction short.
 */
export async function deleteClosedRuns(
  db: SqlExecutor,
  request: DeleteClosedRunsRequest,
): Promise<DeleteClosedRunsResult> {
  if (request.dryRun === true) {
    // Counted in the database: a first cleanup may cover millions of runs.
    const plan = treeRuns(request, undefined);
    const totals = await sql<{
      runs: string | number;
      trees: string | number;
      events: string | number;
      tasks: string | number;
    }>`
      SELECT count(*) AS runs, count(DISTINCT p.root_id) AS trees, coalesce(sum(p.last_seq), 0) AS events,
        (SELECT count(*) FROM continuum.tasks k WHERE k.run_id IN (SELECT run_id FROM (${plan}) AS q)) AS tasks
      FROM (${plan}) AS p`.execute(db);
    const sample = await sql<TreeRunRow>`
      SELECT * FROM (${plan}) AS p LIMIT ${Math.max(0, Math.floor(request.limit))}`.execute(db);
    const row = totals.rows[0];
    return {
      runs: Number(row?.runs ?? 0),
      trees: Number(row?.trees ?? 0),
      events: Number(row?.events ?? 0),
      tasks: Number(row?.tasks ?? 0),
      sample: sample.rows.map(summary),
    };
  }
  return inTransaction(db, async (tx) => {
    const planned = await selectTrees(tx, request, request.limit);
    if (planned.length === 0) return { runs: 0, trees: 0, events: 0, tasks: 0, sample: [] };
    const plannedIds = planned.map((r) => r.run_id);
    await sql`SELECT 1 FROM continuum.runs WHERE run_id = ANY(${plannedIds}::text[]) ORDER BY run_id FOR UPDATE`.execute(
      tx,
    );
    const roots = [...new Set(planned.map((r) => r.root_id))];
    const rows = await selectTrees(tx, request, undefined, roots);
    const ids = rows.map((r) => r.run_id);
    if (ids.length === 0) return { runs: 0, trees: 0, events: 0, tasks: 0, sample: [] };
    const idList = sql`ANY(${ids}::text[])`;
    const events = await sql`DELETE FROM continuum.events WHERE run_id = ${idList}`.execute(tx);
    const tasks = await sql`DELETE FROM continuum.tasks WHERE run_id = ${idList}`.execute(tx);
    for (const table of ["timers", "inbox", "signal_deliveries", "history_snapshots"])
      await sql`DELETE FROM ${sql.table(`continuum.${table}`)} WHERE run_id = ${idList}`.execute(tx);
    await sql`DELETE FROM continuum.runs WHERE run_id = ${idList}`.execute(tx);
    return {
      runs: ids.length,
      trees: new Set(rows.map((r) => r.root_id)).size,
      events: Number(events.numAffectedRows ?? 0),
      tasks: Number(tasks.numAffectedRows ?? 0),
      sample: rows.map(summary),
    };
  });
}

/** The runs of deletable trees, oldest close first; with `limit`, whole trees up to `limit` runs. */
async function selectTrees(
  db: SqlExecutor,
  request: DeleteClosedRunsRequest,
  limit: number | undefined,
  roots?: readonly string[],
): Promise<TreeRunRow[]> {
  return (await treeRuns(request, limit, roots).execute(db)).rows;
}

/** The query behind {@link selectTrees}. */
function treeRuns(
  request: DeleteClosedRunsRequest,
  limit: number | undefined,
  roots?: readonly string[],
): RawBuilder<TreeRunRow> {
  const cutoff = fromEpochMs(request.closedBefore);
  const filters: RawBuilder<unknown>[] = [];
  if (request.namespace !== undefined) filters.push(sql`AND namespace = ${request.namespace}`);
  if (request.workflowName !== undefined) filters.push(sql`AND workflow_name = ${request.workflowName}`);
  if (roots !== undefined) filters.push(sql`AND run_id = ANY(${[...roots]}::text[])`);
  const batch =
    limit === undefined ? sql`TRUE` : sql`(t.before_runs = 0 OR t.before_runs + t.tree_runs <= ${limit})`;
  return sql<TreeRunRow>`
    WITH RECURSIVE roots AS (
      SELECT run_id FROM continuum.runs
      WHERE parent_run_id IS NULL AND continued_from IS NULL
        AND status IN ${terminalList} AND finished_at < ${cutoff} ${sql.join(filters, sql` `)}
    ),
    tree(root_id, run_id) AS (
      SELECT roots.run_id, roots.run_id FROM roots
      UNION
      SELECT roots.run_id, c.run_id FROM roots JOIN continuum.runs c
        ON c.chain_id = roots.run_id AND c.chain_id <> c.run_id
      UNION
      SELECT tree.root_id, k.run_id FROM tree JOIN continuum.runs k ON k.parent_run_id = tree.run_id
    ),
    trees AS (
      SELECT tree.root_id, count(*) AS tree_runs, max(r.finished_at) AS closed_at
      FROM tree JOIN continuum.runs r ON r.run_id = tree.run_id
      GROUP BY tree.root_id
      HAVING bool_and(r.status IN ${terminalList} AND r.finished_at < ${cutoff}
        AND NOT EXISTS (SELECT 1 FROM continuum.tasks k
                        WHERE k.run_id = r.run_id AND k.status IN ('pending', 'running')))
    ),
    ordered AS (
      SELECT root_id, tree_runs, closed_at,
        coalesce(sum(tree_runs) OVER (ORDER BY closed_at, root_id COLLATE "C"
          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before_runs
      FROM trees
    )
    SELECT r.run_id, t.root_id, r.namespace, r.workflow_name, r.workflow_id, r.status, r.finished_at,
      r.last_seq, t.tree_runs
    FROM ordered t JOIN tree ON tree.root_id = t.root_id JOIN continuum.runs r ON r.run_id = tree.run_id
    WHERE ${batch}
    ORDER BY t.closed_at, t.root_id COLLATE "C", r.created_order`;
}

function summary(row: TreeRunRow): ClosedRunSummary {
  return {
    runId: row.run_id,
    rootRunId: row.root_id,
    namespace: row.namespace,
    workflowName: row.workflow_name,
    workflowId: row.workflow_id,
    status: row.status,
    finishedAt: toMs(row.finished_at),
  };
}
