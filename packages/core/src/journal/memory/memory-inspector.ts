import { checkAttributeQuery } from "../../validation/attribute-query.ts";
import { matchesAttributeQuery } from "./match-attribute-query.ts";
import { isTerminal, type RunStatus } from "../../model/run-status.ts";
import { withInProcessTasks } from "../in-process-attempts.ts";
import type { Encoded, HistoryEvent } from "../../model/index.ts";
import type {
  HistoryPage,
  HistoryPageRequest,
  InboxRecord,
  InspectedRunPage,
  JournalInspector,
  RunCounts,
  RunDetailRecord,
  RunPageRequest,
  RunQuery,
  TaskRecord,
  TimerRecord,
  WorkflowVersionRecord,
} from "../journal-inspector.ts";
import { emptyCounts, historyPageLimit, runPageLimit } from "../inspector-limits.ts";
import { pageCursors } from "../run-page-cursors.ts";
import { jsonbContains } from "./jsonb-contains.ts";
import { memoryAudit } from "./memory-audit.ts";
import { memoryHealth } from "./memory-health.ts";
import { attemptDeadline, toRunRecord, type RunRow, type TaskRow } from "./memory-rows.ts";
import type { MemoryStore } from "./memory-store.ts";

/** The read model over a {@link MemoryStore}: the same answers as the SQL inspector. */
export function createMemoryInspector(store: MemoryStore): JournalInspector {
  return {
    listRuns: async (request) => listRuns(store, request),
    countRuns: async (query) => countRuns(store, query),
    getRunDetail: async (runId) => runDetail(store, runId),
    readHistoryPage: async (runId, request) => historyPage(store, runId, request),
    listTasks: async (runId) => tasksOf(store, runId),
    listTimers: async (runId) => timersOf(store, runId),
    listInbox: async (runId): Promise<InboxRecord[]> => structuredClone(store.runs.get(runId)?.inbox ?? []),
    listWorkflows: async (query) => workflowsOf(store, query?.namespace),
    health: async (request) => memoryHealth(store, request),
    audit: async (request) => memoryAudit(store, request),
  };
}

/** Whether a run row passes every filter of `query`. */
export function matchesQuery(row: RunRow, query: RunQuery): boolean {
  const statuses = query.status === undefined ? undefined : ([] as RunStatus[]).concat(query.status);
  const prefix = query.idPrefix;
  return (
    (query.namespace === undefined || row.namespace === query.namespace) &&
    (statuses === undefined || statuses.includes(row.status)) &&
    (query.workflowName === undefined || row.workflowName === query.workflowName) &&
    (query.versionHash === undefined || row.versionHash === query.versionHash) &&
    (query.parentRunId === undefined || row.parentRunId === query.parentRunId) &&
    (query.startedFrom === undefined || row.createdAt >= query.startedFrom) &&
    (query.startedTo === undefined || row.createdAt < query.startedTo) &&
    (prefix === undefined || row.runId.startsWith(prefix) || row.workflowId.startsWith(prefix)) &&
    (query.attributes === undefined ||
      jsonbContains(row.attributes as Encoded, query.attributes as Encoded)) &&
    (query.where === undefined ||
      matchesAttributeQuery(row.attributes as Record<string, Encoded>, checkAttributeQuery(query.where)))
  );
}

function listRuns(store: MemoryStore, request: RunPageRequest): InspectedRunPage {
  const limit = runPageLimit(request.limit);
  const after = cursor(request.after);
  const before = cursor(request.before);
  const matching = [...store.runs.values()].filter((row) => matchesQuery(row, request));
  if (before !== undefined) {
    // The page just newer than `before`: the oldest `limit` runs newer than it, shown newest first.
    const newer = matching.filter((row) => row.order > before).sort((a, b) => a.order - b.order);
    const page = newer.slice(0, limit).reverse();
    return pageOf(page, newer.length > limit, true, true);
  }
  const older = matching
    .filter((row) => after === undefined || row.order < after)
    .sort((a, b) => b.order - a.order);
  return pageOf(older.slice(0, limit), older.length > limit, after !== undefined);
}

function pageOf(page: RunRow[], more: boolean, fromCursor: boolean, backward = false): InspectedRunPage {
  return pageCursors(page.map(toRunRecord), page[0]?.order, page.at(-1)?.order, more, fromCursor, backward);
}

function cursor(text: string | undefined): number | undefined {
  return text === undefined || !/^\d{1,18}$/.test(text) ? undefined : Number(text);
}

function countRuns(store: MemoryStore, query: RunQuery): RunCounts {
  const counts = emptyCounts();
  for (const row of store.runs.values()) if (matchesQuery(row, query)) counts[row.status] += 1;
  return { ...counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
}

function runDetail(store: MemoryStore, runId: string): RunDetailRecord | undefined {
  const row = store.runs.get(runId);
  if (row === undefined) return undefined;
  const timers = [...store.timers.values()].filter((t) => t.runId === runId);
  const open = [...store.tasks.values()].filter((t) => t.runId === runId);
  const wakeTimes = [
    ...timers.map((t) => t.fireAt),
    // Retries only: a task never attempted wakes nobody, it waits for a worker.
    ...open.filter((t) => t.state === "ready" && t.attempt > 0).map((t) => t.availableAt),
  ];
  const from = [...store.runs.values()].find((other) => other.continuedTo === runId);
  const terminal = isTerminal(row.status);
  return {
    run: toRunRecord(row),
    ...(from === undefined ? {} : { continuedFrom: from.runId }),
    ready: !terminal && (row.inbox.length > 0 || !row.stepped),
    ...(row.notBefore === undefined || terminal ? {} : { notBefore: row.notBefore }),
    ...(wakeTimes.length === 0 ? {} : { nextWakeAt: Math.min(...wakeTimes) }),
    pendingTimers: timers.length,
    openTasks: open.length,
    pendingInbox: row.inbox.length,
    children: store.childrenOf.get(runId)?.length ?? 0,
  };
}

function historyPage(store: MemoryStore, runId: string, request: HistoryPageRequest = {}): HistoryPage {
  const history: HistoryEvent[] = store.runs.get(runId)?.history ?? [];
  const afterSeq = Math.max(0, Math.trunc(request.afterSeq ?? 0));
  const limit = historyPageLimit(request.limit);
  const events = history.slice(afterSeq, afterSeq + limit);
  const last = events.at(-1);
  return {
    events: structuredClone(events),
    ...(last !== undefined && history.length > last.seq ? { nextAfterSeq: last.seq } : {}),
  };
}

function tasksOf(store: MemoryStore, runId: string): TaskRecord[] {
  const rows = [...store.tasks.values(), ...store.finishedTasks.values()]
    .filter((task) => task.runId === runId)
    .sort((a, b) => (a.scheduledAt ?? 0) - (b.scheduledAt ?? 0) || compare(a.identity, b.identity))
    .map(toTaskRecord);
  const run = store.runs.get(runId);
  if (run === undefined) return rows;
  return structuredClone(withInProcessTasks(runId, rows, run.history, !isTerminal(run.status)));
}

/** The read model's view of a memory task row (open or finished). */
export function toTaskRecord(task: TaskRow): TaskRecord {
  const status = task.outcome ?? (task.state === "running" ? "running" : "pending");
  const record: { -readonly [K in keyof TaskRecord]: TaskRecord[K] } = {
    taskId: task.taskId,
    runId: task.runId,
    identity: task.identity,
    activityName: task.activityName,
    status,
    args: task.args,
    attempt: task.attempt,
    maxAttempts: task.options.retry.maxAttempts,
    scheduledAt: task.scheduledAt ?? 0,
    detached: task.detached === true,
  };
  if (task.options.queue !== undefined) record.queue = task.options.queue;
  if (task.lastError !== undefined) record.lastError = task.lastError;
  if (task.details !== undefined) record.heartbeatDetails = task.details;
  if (task.heartbeatAt !== undefined) record.heartbeatAt = task.heartbeatAt;
  if (task.attemptStartedAt !== undefined) record.attemptStartedAt = task.attemptStartedAt;
  if (status === "pending") record.dueAt = task.availableAt;
  if (status === "running") record.dueAt = attemptDeadline(task);
  if (task.finishedAt !== undefined) record.finishedAt = task.finishedAt;
  return structuredClone(record);
}

function timersOf(store: MemoryStore, runId: string): TimerRecord[] {
  return [...store.timers.values()]
    .filter((timer) => timer.runId === runId)
    .sort(
      (a, b) =>
        a.fireAt - b.fireAt || (a.createdAt ?? 0) - (b.createdAt ?? 0) || compare(a.identity, b.identity),
    )
    .map((timer) => ({
      runId: timer.runId,
      identity: timer.identity,
      fireAt: timer.fireAt,
      createdAt: timer.createdAt ?? 0,
    }));
}

/** Runs per (workflow name, version hash) and status, by name then version. */
export function workflowsOf(
  store: MemoryStore,
  namespace: string | undefined,
  only?: (row: RunRow) => boolean,
): WorkflowVersionRecord[] {
  const byVersion = new Map<
    string,
    { name: string; hash: string; counts: ReturnType<typeof emptyCounts>; last: number }
  >();
  for (const row of store.runs.values()) {
    if (namespace !== undefined && row.namespace !== namespace) continue;
    if (only !== undefined && !only(row)) continue;
    const key = `${row.workflowName}\u0000${row.versionHash}`;
    const entry = byVersion.get(key) ?? {
      name: row.workflowName,
      hash: row.versionHash,
      counts: emptyCounts(),
      last: 0,
    };
    entry.counts[row.status] += 1;
    entry.last = Math.max(entry.last, row.createdAt);
    byVersion.set(key, entry);
  }
  return [...byVersion.values()]
    .sort((a, b) => (a.name === b.name ? compare(a.hash, b.hash) : compare(a.name, b.name)))
    .map((entry) => ({
      workflowName: entry.name,
      versionHash: entry.hash,
      counts: { ...entry.counts, total: Object.values(entry.counts).reduce((x, y) => x + y, 0) },
      lastStartedAt: entry.last,
    }));
}

/** Code-point order, as SQL's `COLLATE "C"`. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
