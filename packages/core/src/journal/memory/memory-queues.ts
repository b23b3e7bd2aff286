import { isTerminal } from "../../model/run-status.ts";
import { MAX_INSTANT_MS, instantAfter } from "../instant-limits.ts";
import type {
  DequeueRunsRequest,
  DequeuedRuns,
  RunQueueConfig,
  RunQueueInfo,
  RunQueuePartitionInfo,
  RunQueueStart,
  RunQueueThrottle,
  RunRecord,
  StartRunRequest,
} from "../journal.ts";
import { NotifyTopic } from "../notifier.ts";
import { allowanceLimits, queueAllowance } from "../queue-allowance.ts";
import { attemptDeadline, toRunRecord, type RunRow } from "./memory-rows.ts";
import type { MemoryStore } from "./memory-store.ts";

/** Stores queue limits (last writer wins); see Journal.defineQueues. */
export function defineQueues(store: MemoryStore, queues: readonly RunQueueConfig[]): void {
  for (const queue of queues) store.queues.set(queue.name, structuredClone(queue));
}

/** Puts a new run in its queue: deferred to the last instant until dequeued (as SQL does). */
export function enqueueRun(store: MemoryStore, row: RunRow, queue: RunQueueStart): void {
  const now = store.clock.now();
  row.queue = {
    name: queue.name,
    priority: queue.priority ?? store.queues.get(queue.name)?.defaultPriority ?? 0,
    ...(queue.dedupeKey === undefined ? {} : { dedupeKey: queue.dedupeKey }),
    ...(queue.partitionKey === undefined ? {} : { partitionKey: queue.partitionKey }),
    ...(queue.debounceMs === undefined ? {} : { readyAt: instantAfter("debounceMs", now, queue.debounceMs) }),
  };
  row.notBefore = MAX_INSTANT_MS;
}

/**
 * A start with a dedupe key: the open run that absorbs it (a debounced one gets the new input
 * and a later dequeue time), or undefined when a new run is to be queued. See RunQueueStart.
 */
export function startIntoQueue(
  store: MemoryStore,
  queue: RunQueueStart,
  request: StartRunRequest,
): RunRecord | undefined {
  if (queue.dedupeKey === undefined) return undefined;
  const open = [...store.runs.values()]
    .filter(
      (row) =>
        row.queue?.name === queue.name && row.queue.dedupeKey === queue.dedupeKey && !isTerminal(row.status),
    )
    .sort((a, b) => Number(isQueued(b)) - Number(isQueued(a)) || b.order - a.order);
  const found = open[0];
  if (found === undefined) return undefined;
  if (queue.debounceMs === undefined) return toRunRecord(found);
  if (!isQueued(found) || found.queue === undefined) return undefined;
  const now = store.clock.now();
  const input = structuredClone(request.input);
  found.input = input;
  const started = found.history[0];
  if (started?.kind === "run_started") found.history[0] = { ...started, input };
  found.queue.readyAt = instantAfter("debounceMs", now, queue.debounceMs);
  found.updatedAt = now;
  return toRunRecord(found);
}

/** Dequeues within each queue's limits (per partition when partitioned); see Journal.dequeueRuns. */
export function dequeueRuns(store: MemoryStore, request: DequeueRunsRequest): DequeuedRuns[] {
  const results: DequeuedRuns[] = [];
  if (request.limit <= 0) return results;
  const now = store.clock.now();
  for (const name of request.queues) {
    const config = store.queues.get(name);
    if (config === undefined) continue;
    const inQueue = [...store.runs.values()].filter((row) => row.queue?.name === name);
    const due = inQueue
      .filter((row) => isQueued(row) && (row.queue?.readyAt ?? Number.NEGATIVE_INFINITY) <= now)
      .sort((a, b) => (a.queue?.priority ?? 0) - (b.queue?.priority ?? 0) || a.order - b.order);
    // A partitioned queue: each partition key is a queue of its own (oldest backlog first).
    const scopes =
      config.partitioned === true
        ? [...new Set(due.toSorted((a, b) => a.order - b.order).map((row) => row.queue?.partitionKey))]
        : [undefined];
    const taken: RunRow[] = [];
    let limitedBy: RunQueueThrottle | undefined;
    for (const key of scopes) {
      const left = request.limit - taken.length;
      if (left <= 0) break;
      const inScope = (row: RunRow): boolean =>
        config.partitioned !== true || row.queue?.partitionKey === key;
      const runs = inQueue.filter(inScope);
      const active = runs.filter((row) => row.queue?.dequeuedAt !== undefined && !isTerminal(row.status));
      const since = now - (config.rateLimit?.periodMs ?? 0);
      const { allowed, limitedBy: bound } = queueAllowance(left, allowanceLimits(config), {
        active: active.length,
        mine: active.filter((row) => row.queue?.dequeuedBy === request.owner).length,
        recent: runs.filter((row) => (row.queue?.dequeuedAt ?? Number.NEGATIVE_INFINITY) > since).length,
      });
      limitedBy ??= bound;
      taken.push(...due.filter(inScope).slice(0, Math.max(0, allowed)));
    }
    for (const row of taken) {
      if (row.queue === undefined) continue;
      row.queue.dequeuedAt = now;
      row.queue.dequeuedBy = request.owner;
      row.notBefore = undefined;
      row.updatedAt = now;
      store.notifier.publish(NotifyTopic.runReady, row.runId);
    }
    taken.sort((a, b) => (a.queue?.priority ?? 0) - (b.queue?.priority ?? 0) || a.order - b.order);
    const moreDue = due.length > taken.length;
    results.push({
      queue: name,
      runIds: taken.map((row) => row.runId),
      moreDue,
      ...(moreDue && limitedBy !== undefined ? { throttled: limitedBy } : {}),
    });
  }
  return results;
}

/** Every queue with its counts; see Journal.listQueues. */
export function listQueues(store: MemoryStore): RunQueueInfo[] {
  const now = store.clock.now();
  return [...store.queues.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((config) => {
      const runs = [...store.runs.values()].filter((row) => row.queue?.name === config.name);
      const queued = runs.filter(isQueued);
      const since = config.rateLimit === undefined ? undefined : now - config.rateLimit.periodMs;
      const oldest = Math.min(...queued.map((row) => row.createdAt));
      return {
        ...structuredClone(config),
        defaultPriority: config.defaultPriority ?? 0,
        backlog: queued.length,
        running: runs.filter((row) => row.queue?.dequeuedAt !== undefined && !isTerminal(row.status)).length,
        dequeuedInPeriod:
          since === undefined
            ? 0
            : runs.filter((row) => (row.queue?.dequeuedAt ?? Number.NEGATIVE_INFINITY) > since).length,
        ...(Number.isFinite(oldest) ? { oldestQueuedAt: oldest } : {}),
        ...(config.partitioned === true ? { partitions: partitionsOf(runs) } : {}),
        activities: activityLoad(store, config.name, now),
      };
    });
}

/** Waiting in its queue: not dequeued, not ended. */
function isQueued(row: RunRow): boolean {
  return row.queue !== undefined && row.queue.dequeuedAt === undefined && !isTerminal(row.status);
}

/** Backlog and slots in use per partition key with open runs, by key. */
function partitionsOf(runs: readonly RunRow[]): RunQueuePartitionInfo[] {
  const byKey = new Map<string, { backlog: number; running: number }>();
  for (const row of runs) {
    const key = row.queue?.partitionKey;
    if (key === undefined || isTerminal(row.status)) continue;
    const entry = byKey.get(key) ?? { backlog: 0, running: 0 };
    if (row.queue?.dequeuedAt === undefined) entry.backlog += 1;
    else entry.running += 1;
    byKey.set(key, entry);
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, counts]) => ({ key, ...counts }));
}

/** Activity tasks routed to the queue: waiting for an attempt, and with a live attempt. */
function activityLoad(store: MemoryStore, queue: string, now: number): { waiting: number; running: number } {
  let waiting = 0;
  let running = 0;
  for (const task of store.tasks.values()) {
    if (task.options.queue !== queue || task.state === "done") continue;
    if (task.state === "running" && attemptDeadline(task) > now) running += 1;
    else waiting += 1;
  }
  return { waiting, running };
}
