import { isTerminal } from "../../model/run-status.ts";
import type {
  AgeBucket,
  Finding,
  HealthRecord,
  HealthRequest,
  FindingRun,
  FindingTask,
  FindingTimer,
} from "../journal-inspector.ts";
import { ageBucketOf } from "../age-bucket.ts";
import { emptyCounts, sampleLimit, staleAfter } from "../inspector-limits.ts";
import { workflowsOf } from "./memory-inspector.ts";
import { attemptDeadline, type RunRow } from "./memory-rows.ts";
import type { MemoryStore } from "./memory-store.ts";

/** The health report over the memory journal; the same rules as health-report.ts (SQL). */
export function memoryHealth(store: MemoryStore, request: HealthRequest = {}): HealthRecord {
  const now = store.clock.now();
  const stale = staleAfter(request.staleAfterMs);
  const limit = sampleLimit(request.sampleLimit);
  const runs = [...store.runs.values()].filter(
    (row) => request.namespace === undefined || row.namespace === request.namespace,
  );
  const inScope = new Set(runs.map((row) => row.runId));
  const counts = emptyCounts();
  const ages = { running: buckets(), stuck_unknown_version: buckets() };
  for (const row of runs) {
    counts[row.status] += 1;
    if (row.status === "running" || row.status === "stuck_unknown_version")
      ages[row.status][ageBucketOf(now - row.createdAt)] += 1;
  }
  const open = [...store.tasks.values()].filter((task) => inScope.has(task.runId));
  const timers = [...store.timers.values()].filter((timer) => inScope.has(timer.runId));
  const leaseFree = (row: RunRow) => row.leaseOwner === undefined || (row.leaseExpiresAt ?? 0) <= now;
  const ready = (row: RunRow) => row.inbox.length > 0 || !row.stepped;
  const waitingSince = (row: RunRow) => row.inbox[0]?.receivedAt ?? row.updatedAt;
  const hasOpenChild = (row: RunRow) =>
    (store.childrenOf.get(row.runId) ?? []).some((id) => {
      const child = store.runs.get(id);
      return child !== undefined && !isTerminal(child.status);
    });

  const unclaimed = runs
    .filter(
      (row) =>
        row.status === "running" &&
        ready(row) &&
        leaseFree(row) &&
        (row.notBefore === undefined || row.notBefore <= now) &&
        waitingSince(row) <= now - stale,
    )
    .map((row) => runRef(row, waitingSince(row)));
  const idle = runs
    .filter(
      (row) =>
        row.status === "running" &&
        !ready(row) &&
        row.updatedAt <= now - stale &&
        !timers.some((timer) => timer.runId === row.runId) &&
        !open.some((task) => task.runId === row.runId) &&
        !hasOpenChild(row),
    )
    .map((row) => runRef(row, row.updatedAt));
  const overdue = timers
    .filter((timer) => timer.fireAt <= now - stale)
    .map((timer): FindingTimer => ({ runId: timer.runId, identity: timer.identity, fireAt: timer.fireAt }))
    .sort((a, b) => a.fireAt - b.fireAt || cmp(a.runId, b.runId) || cmp(a.identity, b.identity));
  const expiredRuns = runs
    .filter(
      (row) =>
        !isTerminal(row.status) &&
        row.leaseOwner !== undefined &&
        row.leaseExpiresAt !== undefined &&
        row.leaseExpiresAt <= now - stale,
    )
    .map((row) => runRef(row, row.leaseExpiresAt ?? 0));
  const expiredTasks = open
    .filter((task) => task.state === "running" && attemptDeadline(task) <= now - stale)
    .map((task): FindingTask => ({
      taskId: task.taskId,
      runId: task.runId,
      activityName: task.activityName,
      attempt: task.attempt,
      since: attemptDeadline(task),
    }));
  const dead = [...store.finishedTasks.values()]
    .filter((task) => task.outcome === "failed" && inScope.has(task.runId))
    .map((task): FindingTask => ({
      taskId: task.taskId,
      runId: task.runId,
      activityName: task.activityName,
      attempt: task.attempt,
      since: task.finishedAt ?? 0,
      ...(task.lastError === undefined ? {} : { lastError: structuredClone(task.lastError) }),
    }));
  return {
    now,
    staleAfterMs: stale,
    runsByStatus: { ...counts, total: runs.length },
    openRunAges: ages,
    unclaimedReadyRuns: finding(sortRefs(unclaimed), limit),
    idleRuns: finding(sortRefs(idle), limit),
    overdueTimers: finding(overdue, limit),
    expiredRunLeases: finding(sortRefs(expiredRuns), limit),
    expiredTaskLeases: finding(sortTasks(expiredTasks), limit),
    // Newest failures first: the ones an operator looks into.
    deadLetters: finding(sortTasks(dead).reverse(), limit),
    unknownVersions: workflowsOf(store, request.namespace, (row) => row.status === "stuck_unknown_version"),
  };
}

function buckets(): Record<AgeBucket, number> {
  return { "1m": 0, "1h": 0, "1d": 0, "7d": 0, older: 0 };
}

function runRef(row: RunRow, since: number): FindingRun {
  return {
    runId: row.runId,
    workflowId: row.workflowId,
    workflowName: row.workflowName,
    versionHash: row.versionHash,
    status: row.status,
    since,
  };
}

function finding<T>(items: readonly T[], limit: number): Finding<T> {
  return { count: items.length, sample: items.slice(0, limit) };
}

const sortRefs = (refs: FindingRun[]) => refs.sort((a, b) => a.since - b.since || cmp(a.runId, b.runId));
const sortTasks = (refs: FindingTask[]) => refs.sort((a, b) => a.since - b.since || cmp(a.taskId, b.taskId));

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
