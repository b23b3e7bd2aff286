import { terminateRun } from "./memory-terminate.ts";
import { RunFinishedError, RunNotFoundError } from "../../errors/journal-errors.ts";
import { isTerminal } from "../../model/run-status.ts";
import { cancelRequestedEvent } from "../journal.ts";
import type { CancelRequestOptions, InboxItem, QueueStats, SendSignalRequest } from "../journal.ts";
import type { RunRow } from "./memory-rows.ts";
import type { MemoryStore } from "./memory-store.ts";
import { dueAt } from "./memory-tasks.ts";
import { NotifyTopic } from "../notifier.ts";

/** Fires up to `limit` due timers into their runs' inboxes, earliest first; returns how many fired. */
export function fireDueTimers(store: MemoryStore, limit: number): number {
  const now = store.clock.now();
  const due = [...store.timers.entries()]
    .filter(([, timer]) => timer.fireAt <= now)
    .sort(([, a], [, b]) => a.fireAt - b.fireAt || a.order - b.order)
    .slice(0, Math.max(0, limit));
  for (const [key, timer] of due) {
    store.timers.delete(key);
    const run = store.runs.get(timer.runId);
    if (run) store.pushInbox(run, { kind: "timer_fired", identity: timer.identity }, now);
  }
  const activated = activateDelayedStarts(store, limit - due.length, now);
  return due.length + activated + wakeLostAttempts(store, limit - due.length - activated, now);
}

/**
 * When a run's in-process attempts count as lost to their engine, so that the timer wheel
 * wakes the run (see the SQL adapter's wakeLostAttempts); undefined when never as things stand.
 * Given back and not ready: now. Leased: at its lease's end, if it is not ready then or is
 * deferred by an eager start's window.
 */
function lostAt(row: RunRow, now: number): number | undefined {
  if ((row.inProcessCalls?.length ?? 0) === 0 || isTerminal(row.status)) return undefined;
  const ready = row.inbox.length > 0 || !row.stepped;
  if (row.leaseOwner === undefined) return ready ? undefined : now;
  const end = row.leaseExpiresAt ?? now;
  return !ready || (row.notBefore !== undefined && row.notBefore > end) ? end : undefined;
}

/** Makes up to `limit` runs ready whose in-process attempts lost their engine. */
function wakeLostAttempts(store: MemoryStore, limit: number, now: number): number {
  if (limit <= 0) return 0;
  const lost = [...store.runs.values()]
    .filter((row) => {
      const at = lostAt(row, now);
      return at !== undefined && at <= now;
    })
    .sort((a, b) => a.order - b.order)
    .slice(0, limit);
  for (const row of lost) {
    // Ready as a never-stepped run is; a given-back run keeps the deferral its release asked for.
    if (row.leaseOwner !== undefined) row.notBefore = undefined;
    row.stepped = false;
    row.readyOrder = store.nextOrder();
    store.notifier.publish(NotifyTopic.runReady, row.runId);
  }
  return lost.length;
}

/** Makes up to `limit` due delayed starts ready (see the SQL adapter's activateDelayedStarts). */
function activateDelayedStarts(store: MemoryStore, limit: number, now: number): number {
  if (limit <= 0) return 0;
  const due = [...store.runs.values()]
    .filter((row) => row.awaitingStart === true && !isTerminal(row.status) && (row.notBefore ?? 0) <= now)
    .sort((a, b) => (a.notBefore ?? 0) - (b.notBefore ?? 0))
    .slice(0, limit);
  for (const row of due) {
    row.awaitingStart = false;
    row.readyOrder = store.nextOrder();
    store.notifier.publish(NotifyTopic.runReady, row.runId);
  }
  return due.length;
}

/** Delivers a signal to a running run; a delivery id already seen by its chain is not delivered twice. */
export function sendSignal(store: MemoryStore, request: SendSignalRequest): { accepted: boolean } {
  const row = activeRun(store, request.runId);
  if (request.deliveryId !== undefined) {
    if (row.deliveryIds.has(request.deliveryId)) return { accepted: false };
    row.deliveryIds.add(request.deliveryId);
  }
  const event = {
    kind: "signal_received" as const,
    name: request.name,
    payload: request.payload,
    ...(request.deliveryId === undefined ? {} : { deliveryId: request.deliveryId }),
  };
  store.pushInbox(row, event, store.clock.now());
  return { accepted: true };
}

/** An undelivered item of a run's inbox, by id (a copy), if the run still has it. */
export function readInboxItem(store: MemoryStore, runId: string, inboxId: number): InboxItem | undefined {
  const item = store.runs.get(runId)?.inbox.find((candidate) => candidate.id === inboxId);
  return item === undefined ? undefined : structuredClone(item);
}

/** Asks a running run to cancel: a cancel_requested in its inbox. */
export function requestCancel(
  store: MemoryStore,
  runId: string,
  reason: string | undefined,
  options?: CancelRequestOptions,
): void {
  const row = activeRun(store, runId);
  const now = store.clock.now();
  const event = cancelRequestedEvent(reason, options);
  // Forced, and no engine holds a live lease (none can step it): ended here, the lease fenced off.
  const leased = row.leaseOwner !== undefined && (row.leaseExpiresAt ?? 0) > now;
  // A run still waiting in its queue never ran any code: a cancel ends it at once, as a forced one.
  const queued = row.queue !== undefined && row.queue.dequeuedAt === undefined;
  // A delayed start that no step has taken yet is cancelled at once: none of its code runs.
  const notStarted = row.startAt !== undefined && !row.stepped && row.notBefore !== undefined;
  if ((options?.force === true || queued || notStarted) && !leased) {
    terminateRun(store, runId, reason, { request: event });
    return;
  }
  store.pushInbox(row, event, now);
}

/**
 * The earliest instant a timer fires, a task becomes due (claimable, or abandoned by its
 * attempt), a run with in-process attempts loses them with its lease, a delayed start may start
 * or a schedule fires.
 */
export function nextDueAt(store: MemoryStore): number | undefined {
  let next = Number.POSITIVE_INFINITY;
  for (const timer of store.timers.values()) next = Math.min(next, timer.fireAt);
  for (const task of store.tasks.values()) next = Math.min(next, dueAt(task));
  for (const row of store.runs.values()) {
    if (row.awaitingStart === true && row.notBefore !== undefined) next = Math.min(next, row.notBefore);
    // A run with in-process attempts is woken once its lease is over (wakeLostAttempts).
    const lost = lostAt(row, store.clock.now());
    if (lost !== undefined) next = Math.min(next, lost);
  }
  for (const schedule of store.schedules.values())
    if (!schedule.paused && schedule.nextFireAt !== undefined) next = Math.min(next, schedule.nextFireAt);
  return Number.isFinite(next) ? next : undefined;
}

/** A run that exists and can still receive signals and cancellations. */
function activeRun(store: MemoryStore, runId: string): RunRow {
  const row = store.runs.get(runId);
  if (row === undefined) throw new RunNotFoundError(runId);
  if (isTerminal(row.status)) throw new RunFinishedError(runId, row.status);
  return row;
}

/** See `Journal.queueStats`: the same counts as the SQL adapter's, from the store. */
export function queueStats(store: MemoryStore): QueueStats {
  const now = store.clock.now();
  let dueTasks = 0;
  let runningTasks = 0;
  let oldest = Number.POSITIVE_INFINITY;
  for (const task of store.tasks.values()) {
    if (task.state === "done") continue;
    const due = dueAt(task);
    if (due <= now) {
      dueTasks += 1;
      oldest = Math.min(oldest, due);
    } else if (task.state === "running") runningTasks += 1;
  }
  let readyRuns = 0;
  for (const row of store.runs.values()) {
    if (isTerminal(row.status) || (row.inbox.length === 0 && row.stepped)) continue;
    if (row.notBefore !== undefined && row.notBefore > now) continue;
    if (row.leaseOwner !== undefined && (row.leaseExpiresAt ?? 0) > now) continue;
    readyRuns += 1;
  }
  return {
    now,
    dueTasks,
    ...(Number.isFinite(oldest) ? { oldestDueTaskAt: oldest } : {}),
    runningTasks,
    readyRuns,
  };
}
