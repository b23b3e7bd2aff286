import { ScheduleAlreadyExistsError, ScheduleNotFoundError } from "../../errors/schedule-errors.ts";
import { isTerminal } from "../../model/run-status.ts";
import type { RunRecord, StartRunRequest } from "../journal-types.ts";
import {
  fireBackfill,
  fireDue,
  fireNow,
  type ScheduleFiringOps,
  type ScheduleState,
} from "../schedule-firing.ts";
import { nextFireAfter } from "../schedule-plan.ts";
import type {
  FireDueSchedulesRequest,
  FireScheduleRequest,
  ScheduleFireResult,
  ScheduleRecord,
  UpsertScheduleRequest,
  UpsertScheduleResult,
} from "../schedule-types.ts";
import { getRunByWorkflowId, startRun } from "./memory-runs.ts";
import { MemoryStore } from "./memory-store.ts";
import { requestCancel } from "./memory-timers-signals.ts";

/** See `Journal.upsertSchedule`. */
export function upsertSchedule(store: MemoryStore, request: UpsertScheduleRequest): UpsertScheduleResult {
  const key = MemoryStore.workflowKey(request.namespace, request.name);
  const existing = store.schedules.get(key);
  const now = store.clock.now();
  if (existing !== undefined && request.mode === "create")
    throw new ScheduleAlreadyExistsError(request.namespace, request.name);
  if (existing === undefined && request.mode === "update")
    throw new ScheduleNotFoundError(request.namespace, request.name);
  const changed = existing === undefined || existing.specHash !== request.specHash;
  if (
    !changed &&
    (request.mode !== "update" || request.paused === undefined || request.paused === existing.paused)
  )
    return { schedule: structuredClone(existing), created: false, updated: false };
  const paused = request.paused ?? existing?.paused ?? false;
  const nextFireAt = changed ? nextFireAfter(request.spec, now) : existing?.nextFireAt;
  const schedule: ScheduleRecord = {
    ...(existing ?? { firedCount: 0, skippedCount: 0, createdAt: now }),
    namespace: request.namespace,
    name: request.name,
    spec: structuredClone(request.spec),
    specHash: request.specHash,
    workflowName: request.workflowName,
    versionHash: request.versionHash,
    input: structuredClone(request.input),
    paused,
    ...(nextFireAt === undefined ? { nextFireAt: undefined } : { nextFireAt }),
    updatedAt: now,
  };
  store.schedules.set(key, withoutUndefined(schedule));
  return {
    schedule: structuredClone(withoutUndefined(schedule)),
    created: existing === undefined,
    updated: existing !== undefined,
  };
}

/** See `Journal.getSchedule`. */
export function getSchedule(store: MemoryStore, namespace: string, name: string): ScheduleRecord | undefined {
  const found = store.schedules.get(MemoryStore.workflowKey(namespace, name));
  return found === undefined ? undefined : structuredClone(found);
}

/** See `Journal.listSchedules`. */
export function listSchedules(store: MemoryStore, namespace?: string): ScheduleRecord[] {
  return [...store.schedules.values()]
    .filter((schedule) => namespace === undefined || schedule.namespace === namespace)
    .sort((a, b) => compare(a.namespace, b.namespace) || compare(a.name, b.name))
    .map((schedule) => structuredClone(schedule));
}

/** See `Journal.setSchedulePaused`. */
export function setSchedulePaused(
  store: MemoryStore,
  namespace: string,
  name: string,
  paused: boolean,
): ScheduleRecord {
  const key = MemoryStore.workflowKey(namespace, name);
  const found = store.schedules.get(key);
  if (found === undefined) throw new ScheduleNotFoundError(namespace, name);
  if (found.paused === paused) return structuredClone(found);
  const now = store.clock.now();
  const next = paused ? found.nextFireAt : nextFireAfter(found.spec, now);
  const updated = withoutUndefined({ ...found, paused, nextFireAt: next, updatedAt: now });
  store.schedules.set(key, updated);
  return structuredClone(updated);
}

/** See `Journal.deleteSchedule`. */
export function deleteSchedule(store: MemoryStore, namespace: string, name: string): boolean {
  return store.schedules.delete(MemoryStore.workflowKey(namespace, name));
}

/** See `Journal.fireDueSchedules`: due schedules one after another, earliest fire time first. */
export function fireDueSchedules(
  store: MemoryStore,
  request: FireDueSchedulesRequest,
): Promise<ScheduleFireResult> {
  return serialized(store, async () => {
    const now = store.clock.now();
    const due = [...store.schedules.values()]
      .filter(
        (s) =>
          !s.paused &&
          (request.namespace === undefined || s.namespace === request.namespace) &&
          ((s.nextFireAt !== undefined && s.nextFireAt <= now) || s.bufferedFireAt !== undefined),
      )
      .sort((a, b) => (a.nextFireAt ?? now) - (b.nextFireAt ?? now))
      .slice(0, Math.max(0, request.limit));
    const total: ScheduleFireResult = { fired: [], skipped: [] };
    for (const schedule of due) {
      const { result, state } = await fireDue(schedule, ops(store, now));
      save(store, schedule, state, now);
      total.fired.push(...result.fired);
      total.skipped.push(...result.skipped);
    }
    return total;
  });
}

/** See `Journal.fireSchedule`. */
export function fireSchedule(store: MemoryStore, request: FireScheduleRequest): Promise<ScheduleFireResult> {
  return serialized(store, async () => {
    const schedule = store.schedules.get(MemoryStore.workflowKey(request.namespace, request.name));
    if (schedule === undefined) throw new ScheduleNotFoundError(request.namespace, request.name);
    const now = store.clock.now();
    const { result, state } =
      request.kind === "trigger"
        ? await fireNow(schedule, ops(store, now))
        : await fireBackfill(schedule, ops(store, now), request.fromMs, request.toMs);
    save(store, schedule, state, now);
    return result;
  });
}

function ops(store: MemoryStore, now: number): ScheduleFiringOps {
  return {
    now,
    // The previous run's chain: a run that continued as new is still open in its successor.
    isRunOpen: async (runId) => {
      const latest = latestOfChain(store, runId);
      return latest !== undefined && !isTerminal(latest.status);
    },
    startRun: async (request: StartRunRequest) => startRun(store, request),
    cancelRun: async (runId, reason) => {
      const latest = latestOfChain(store, runId);
      if (latest !== undefined && !isTerminal(latest.status)) requestCancel(store, latest.runId, reason);
    },
  };
}

function latestOfChain(store: MemoryStore, runId: string): RunRecord | undefined {
  const run = store.runs.get(runId);
  return run === undefined ? undefined : getRunByWorkflowId(store, run.namespace, run.workflowId);
}

function save(store: MemoryStore, schedule: ScheduleRecord, state: ScheduleState, now: number): void {
  const key = MemoryStore.workflowKey(schedule.namespace, schedule.name);
  if (!store.schedules.has(key)) return;
  store.schedules.set(key, withoutUndefined({ ...schedule, ...state, updatedAt: now }));
}

/** Runs firing calls one at a time, as row locks do in SQL. */
function serialized<T>(store: MemoryStore, work: () => Promise<T>): Promise<T> {
  const result = store.scheduleLock.then(work);
  store.scheduleLock = result.catch(() => undefined);
  return result;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
