import { LeaseLostError } from "../../errors/journal-errors.ts";
import { isTerminal } from "../../model/run-status.ts";
import { instantAfter } from "../instant-limits.ts";
import type { PersistAttemptsRequest, ReissueAttemptsRequest } from "../journal.ts";
import { NotifyTopic } from "../notifier.ts";
import { newTaskRow } from "./memory-tasks.ts";
import type { MemoryStore } from "./memory-store.ts";

/** Whether the run has a task row (open or finished) for this call, as SQL's unique (run_id, identity). */
function hasRow(store: MemoryStore, runId: string, identity: string): boolean {
  for (const table of [store.tasks, store.finishedTasks])
    for (const task of table.values()) if (task.runId === runId && task.identity === identity) return true;
  return false;
}

/** See `Journal.persistAttempts` (and persist-attempts.ts for the SQL twin). */
export function persistAttempts(store: MemoryStore, request: PersistAttemptsRequest): string[] {
  const now = store.clock.now();
  const written: string[] = [];
  for (const attempt of request.attempts) {
    if (attempt.inProcess !== true) continue;
    const run = store.runs.get(attempt.runId);
    if (run === undefined || isTerminal(run.status)) continue;
    if (run.leaseOwner !== undefined && run.leaseOwner !== request.owner) continue;
    // Only a call its run still lists: one finished, persisted or re-issued is not this attempt's.
    // Written before (an answer lost on the way back): the same row again.
    const existing = store.tasks.get(attempt.taskId);
    if (existing !== undefined && existing.attemptToken === attempt.attemptToken) {
      written.push(attempt.taskId);
      continue;
    }
    if (!(run.inProcessCalls ?? []).includes(attempt.identity)) continue;
    if (hasRow(store, attempt.runId, attempt.identity)) continue;
    const rest = (run.inProcessCalls ?? []).filter((c) => c !== attempt.identity);
    if (rest.length === 0) delete run.inProcessCalls;
    else run.inProcessCalls = rest;
    const row = newTaskRow(store, attempt.runId, attempt, now, {
      taskId: attempt.taskId,
      attempt: 1,
      state: "running",
      attemptToken: attempt.attemptToken,
      owner: request.owner,
      availableAt: attempt.deadline,
      closeBy: attempt.deadline,
      ...(request.attemptLeaseMs === undefined
        ? {}
        : { leaseBy: instantAfter("attemptLeaseMs", now, request.attemptLeaseMs) }),
      attemptStartedAt: now,
    });
    store.tasks.set(row.taskId, row);
    written.push(row.taskId);
  }
  return written;
}

/** See `Journal.reissueAttempts` (and reissue-attempts.ts for the SQL twin). */
export function reissueAttempts(store: MemoryStore, request: ReissueAttemptsRequest): number {
  const { lease } = request;
  const run = store.runs.get(lease.runId);
  if (run === undefined || run.leaseOwner !== lease.owner || run.fencingToken !== lease.fencingToken)
    throw new LeaseLostError(lease.runId, lease.fencingToken);
  const now = store.clock.now();
  // The list keeps those of `keep` it still holds: one persisted since `keep` was read is off it.
  const kept = (run.inProcessCalls ?? []).filter((c) => request.keep.includes(c));
  if (kept.length === 0) delete run.inProcessCalls;
  else run.inProcessCalls = kept;
  let written = 0;
  for (const task of request.tasks) {
    if (hasRow(store, run.runId, task.identity)) continue;
    // Attempt 1 abandoned now: claimTasks re-claims it as attempt 2, or fails it if it was the last.
    const row = newTaskRow(store, run.runId, task, now, {
      attempt: 1,
      state: "running",
      attemptToken: crypto.randomUUID(),
      availableAt: now,
      closeBy: now,
      attemptStartedAt: now,
    });
    store.tasks.set(row.taskId, row);
    store.notifier.publish(NotifyTopic.taskReady, row.taskId);
    written += 1;
  }
  return written;
}
