import { RunNotFoundError } from "../../errors/journal-errors.ts";
import { RunNotRetryableError } from "../../errors/operator-errors.ts";
import { isTerminal } from "../../model/run-status.ts";
import type { Journal } from "../journal.ts";
import type {
  JournalAdmin,
  OperatorActionInput,
  OperatorActionPage,
  OperatorActionRecord,
  RepairItem,
  RetryRunResult,
} from "../journal-admin.ts";
import type { JournalInspector } from "../journal-inspector.ts";
import { runPageLimit } from "../inspector-limits.ts";
import { NotifyTopic } from "../notifier.ts";
import { planRepair } from "../plan-repair.ts";
import { planRetry } from "../plan-retry.ts";
import { getRunByWorkflowId, insertRun } from "./memory-runs.ts";
import { toRunRecord } from "./memory-rows.ts";
import { MemoryStore } from "./memory-store.ts";
import { scheduleTask } from "./memory-tasks.ts";

/**
 * The operator port over a {@link MemoryStore}: the same answers as the SQL adapter. Every
 * method is synchronous inside, so each is atomic; `audited` runs the work, then appends.
 */
export function createMemoryAdmin(
  store: MemoryStore,
  journal: Journal,
  inspector: JournalInspector,
): JournalAdmin {
  const append = (entry: OperatorActionInput): OperatorActionRecord => {
    const record: OperatorActionRecord = {
      ...structuredClone(entry),
      // As SQL stores them: absent parameters and origin read back as empty objects.
      parameters: structuredClone(entry.parameters ?? {}),
      origin: structuredClone(entry.origin ?? {}),
      id: (store.operatorActions.at(-1)?.id ?? 0) + 1,
      at: store.clock.now(),
    };
    store.operatorActions.push(record);
    return structuredClone(record);
  };
  return {
    async audited(work, entry) {
      const value = await work(journal);
      return { value, entry: append(entry(value)) };
    },
    appendOperatorAction: async (entry) => append(entry),
    async listOperatorActions(request = {}): Promise<OperatorActionPage> {
      const limit = runPageLimit(request.limit);
      const matching = store.operatorActions
        .filter(
          (e) =>
            (request.runId === undefined || e.runId === request.runId) &&
            (request.before === undefined || e.id < request.before),
        )
        .reverse();
      const entries = matching.slice(0, limit);
      const last = entries.at(-1);
      return {
        entries: structuredClone(entries),
        ...(matching.length > limit && last !== undefined ? { next: last.id } : {}),
      };
    },
    retryRun: async (request) => retryRun(store, request.runId, request.newRunId, request.versionHash),
    planRepair: (request) => planRepair(inspector, (runId) => journal.getRun(runId), request),
    executeRepair: async (items) => {
      const applied: RepairItem[] = [];
      const skipped: RepairItem[] = [];
      for (const item of items) (applyRepair(store, item) ? applied : skipped).push(item);
      return { applied, skipped };
    },
    // The memory journal keeps history in one map: nothing is partitioned.
    partitions: async () => [],
    ensurePartitions: async () => ({ created: [], converted: [], busy: false }),
    dropPartitions: async (request) => ({
      before: request.before,
      executed: request.execute === true,
      dropped: [],
      kept: [],
    }),
  };
}

function retryRun(
  store: MemoryStore,
  runId: string,
  newRunId: string | undefined,
  versionHash: string | undefined,
): RetryRunResult {
  const old = store.runs.get(runId);
  if (old === undefined) throw new RunNotFoundError(runId);
  const plan = planRetry(toRunRecord(old), old.history);
  const holder = getRunByWorkflowId(store, old.namespace, old.workflowId);
  if (holder !== undefined && !isTerminal(holder.status))
    throw new RunNotRetryableError(runId, "workflow_id_taken", `run ${holder.runId} holds its workflow id`);
  const now = store.clock.now();
  const row = insertRun(store, {
    runId: newRunId ?? crypto.randomUUID(),
    namespace: old.namespace,
    workflowId: old.workflowId,
    workflowName: old.workflowName,
    versionHash: versionHash ?? old.versionHash,
    input: old.input,
    attributes: old.attributes,
    ...(old.traceContext === undefined ? {} : { traceContext: old.traceContext }),
  });
  // The new run's own run_started (seq 1, now, its version hash), then the copied events verbatim.
  for (const event of structuredClone(plan.events.slice(1))) row.history.push(event);
  row.lastSeq = row.history.length;
  for (const task of plan.tasks) scheduleTask(store, row, task, now);
  for (const timer of plan.timers) {
    store.timers.set(MemoryStore.timerKey(row.runId, timer.identity), {
      runId: row.runId,
      identity: timer.identity,
      fireAt: timer.fireAt,
      order: store.nextOrder(),
      createdAt: now,
    });
    store.notifier.publish(NotifyTopic.timerSet, row.runId);
  }
  for (const signal of plan.signals) store.pushInbox(row, signal, now);
  return {
    run: toRunRecord(row),
    retriedFrom: runId,
    copiedEvents: plan.events.length,
    rescheduled: plan.tasks.map((t) => t.identity),
    timers: plan.timers.map((t) => t.identity),
    carriedSignals: plan.signals.length,
  };
}

// One fenced change: applied only when the row still has the state the plan saw.
function applyRepair(store: MemoryStore, item: RepairItem): boolean {
  const now = store.clock.now();
  const row = store.runs.get(item.runId);
  if (row === undefined) return false;
  switch (item.kind) {
    case "release_lease":
      if (
        isTerminal(row.status) ||
        row.fencingToken !== item.fencingToken ||
        row.leaseOwner !== item.leaseOwner ||
        row.leaseExpiresAt !== item.leaseExpiresAt ||
        item.leaseExpiresAt > now
      )
        return false;
      row.fencingToken += 1;
      row.leaseOwner = undefined;
      row.leaseExpiresAt = undefined;
      row.updatedAt = now;
      if (row.inbox.length > 0 || !row.stepped) store.notifier.publish(NotifyTopic.runReady, row.runId);
      return true;
    case "mark_ready":
      if (
        row.status !== "running" ||
        row.lastSeq !== item.lastSeq ||
        row.updatedAt !== item.updatedAt ||
        row.inbox.length > 0 ||
        !row.stepped
      )
        return false;
      // Ready as a never-stepped run is: the next claim replays it and it waits again, or goes on.
      row.stepped = false;
      row.updatedAt = now;
      store.notifier.publish(NotifyTopic.runReady, row.runId);
      return true;
    case "fire_timer": {
      const key = MemoryStore.timerKey(item.runId, item.identity);
      const timer = store.timers.get(key);
      if (timer === undefined || timer.fireAt !== item.fireAt || timer.fireAt > now) return false;
      store.timers.delete(key);
      store.pushInbox(row, { kind: "timer_fired", identity: item.identity }, now);
      return true;
    }
  }
}
