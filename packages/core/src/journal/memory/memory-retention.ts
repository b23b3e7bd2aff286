import { isTerminal } from "../../model/run-status.ts";
import type { ClosedRunSummary, DeleteClosedRunsRequest, DeleteClosedRunsResult } from "../journal.ts";
import type { RunRow } from "./memory-rows.ts";
import { MemoryStore } from "./memory-store.ts";

/** A run tree that may be deleted: its runs (root first) and when its last run closed. */
interface Tree {
  readonly root: RunRow;
  readonly runs: readonly RunRow[];
  readonly closedAt: number;
}

/** deleteClosedRuns over the memory journal; the same rules as delete-closed-runs.ts. */
export function deleteClosedRuns(
  store: MemoryStore,
  request: DeleteClosedRunsRequest,
): DeleteClosedRunsResult {
  const trees = deletableTrees(store, request);
  const chosen = request.dryRun === true ? trees : takeBatch(trees, request.limit);
  const runs = chosen.flatMap((tree) => tree.runs.map((run) => ({ run, root: tree.root })));
  const ids = new Set(runs.map(({ run }) => run.runId));
  const tasks = [...store.tasks.values(), ...store.finishedTasks.values()].filter((t) => ids.has(t.runId));
  const result: DeleteClosedRunsResult = {
    runs: runs.length,
    trees: chosen.length,
    events: runs.reduce((sum, { run }) => sum + run.history.length, 0),
    tasks: new Set(tasks.map((t) => t.taskId)).size,
    sample: (request.dryRun === true ? runs.slice(0, Math.max(0, request.limit)) : runs).map(
      ({ run, root }) => summary(run, root),
    ),
  };
  if (request.dryRun !== true) remove(store, ids);
  return result;
}

function deletableTrees(store: MemoryStore, request: DeleteClosedRunsRequest): Tree[] {
  const successors = new Set([...store.runs.values()].flatMap((r) => (r.continuedTo ? [r.continuedTo] : [])));
  const busy = new Set(
    [...store.tasks.values()].filter((t) => t.state === "ready" || t.state === "running").map((t) => t.runId),
  );
  const trees: Tree[] = [];
  for (const root of store.runs.values()) {
    if (root.parentRunId !== undefined || successors.has(root.runId)) continue;
    if (request.namespace !== undefined && root.namespace !== request.namespace) continue;
    if (request.workflowName !== undefined && root.workflowName !== request.workflowName) continue;
    const runs = treeOf(store, root);
    const closable = runs.every(
      (run) =>
        isTerminal(run.status) &&
        run.finishedAt !== undefined &&
        run.finishedAt < request.closedBefore &&
        !busy.has(run.runId),
    );
    if (closable) trees.push({ root, runs, closedAt: Math.max(...runs.map((run) => run.finishedAt ?? 0)) });
  }
  return trees.sort((a, b) => a.closedAt - b.closedAt || compare(a.root.runId, b.root.runId));
}

/** The root, its successors and every descendant (children keep their parent link across continue-as-new). */
function treeOf(store: MemoryStore, root: RunRow): RunRow[] {
  const seen = new Map<string, RunRow>();
  const queue = [root];
  for (let run = queue.shift(); run !== undefined; run = queue.shift()) {
    if (seen.has(run.runId)) continue;
    seen.set(run.runId, run);
    const next = run.continuedTo === undefined ? undefined : store.runs.get(run.continuedTo);
    if (next !== undefined) queue.push(next);
    for (const childId of store.childrenOf.get(run.runId) ?? []) {
      const child = store.runs.get(childId);
      if (child !== undefined) queue.push(child);
    }
  }
  return [...seen.values()];
}

/** Whole trees, oldest first, until `limit` runs (always at least one tree). */
function takeBatch(trees: readonly Tree[], limit: number): Tree[] {
  const batch: Tree[] = [];
  let runs = 0;
  for (const tree of trees) {
    if (batch.length > 0 && runs + tree.runs.length > limit) break;
    batch.push(tree);
    runs += tree.runs.length;
  }
  return batch;
}

function remove(store: MemoryStore, ids: ReadonlySet<string>): void {
  for (const id of ids) {
    const run = store.runs.get(id);
    store.runs.delete(id);
    store.childrenOf.delete(id);
    if (run === undefined) continue;
    const key = MemoryStore.workflowKey(run.namespace, run.workflowId);
    if (store.byWorkflowId.get(key) === id) {
      // Point the id at the latest run that stays, as the SQL journal's lookup would find it.
      const left = [...store.runs.values()]
        .filter((r) => !ids.has(r.runId) && r.namespace === run.namespace && r.workflowId === run.workflowId)
        .sort((a, b) => b.order - a.order)[0];
      if (left === undefined) store.byWorkflowId.delete(key);
      else store.byWorkflowId.set(key, left.runId);
    }
    if (run.parentRunId !== undefined) {
      const siblings = store.childrenOf.get(run.parentRunId)?.filter((child) => !ids.has(child));
      if (siblings !== undefined) store.childrenOf.set(run.parentRunId, siblings);
    }
  }
  for (const table of [store.tasks, store.finishedTasks])
    for (const [taskId, task] of table) if (ids.has(task.runId)) table.delete(taskId);
  for (const [key, timer] of store.timers) if (ids.has(timer.runId)) store.timers.delete(key);
}

function summary(run: RunRow, root: RunRow): ClosedRunSummary {
  return {
    runId: run.runId,
    rootRunId: root.runId,
    namespace: run.namespace,
    workflowName: run.workflowName,
    workflowId: run.workflowId,
    status: run.status,
    finishedAt: run.finishedAt ?? 0,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
