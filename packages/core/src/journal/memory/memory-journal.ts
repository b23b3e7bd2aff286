import type { Encoded, HistoryEvent } from "../../model/index.ts";
import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import type {
  ClaimRunsRequest,
  ClaimTasksRequest,
  InboxItem,
  Journal,
  MarkUnknownVersionsRequest,
  UnservedWorkflow,
  UnservedWorkflowsRequest,
  RunClaim,
  RunFilter,
  RunLeaseRef,
  ReleaseRunOptions,
  RunPage,
  CancelRequestOptions,
  RunRecord,
  SendSignalRequest,
  StartRunRequest,
  StartRunResult,
  StepCommit,
  StepCommitResult,
  TaskAttemptRef,
  TaskHeartbeat,
  HeartbeatTasksOptions,
  HeartbeatTasksResult,
  TaskClaim,
  TaskOutcome,
  PersistAttemptsRequest,
  ReissueAttemptsRequest,
  QueueStats,
  DeleteClosedRunsRequest,
  DeleteClosedRunsResult,
  FireDueSchedulesRequest,
  FireScheduleRequest,
  ScheduleFireResult,
  ScheduleRecord,
  UpsertScheduleRequest,
  UpsertScheduleResult,
} from "../journal.ts";
import {
  deleteSchedule,
  fireDueSchedules,
  fireSchedule,
  getSchedule,
  listSchedules,
  setSchedulePaused,
  upsertSchedule,
} from "./memory-schedules.ts";
import type { JournalInspector } from "../journal-inspector.ts";
import type { JournalAdmin } from "../journal-admin.ts";
import { createMemoryAdmin } from "./memory-admin.ts";
import { createMemoryInspector } from "./memory-inspector.ts";
import { MemoryNotifier } from "./memory-notifier.ts";
import { toRunRecord } from "./memory-rows.ts";
import { claimRuns, markUnknownVersions, releaseRun, renewRunLeases } from "./memory-run-leases.ts";
import { listUnservedWorkflows } from "./memory-unserved-workflows.ts";
import { getRunByWorkflowId, listRuns, startRun } from "./memory-runs.ts";
import { commitStep } from "./memory-steps.ts";
import { startWithFirstStep } from "./memory-first-step.ts";
import { firstStepStartOf } from "../first-step-start.ts";
import { MemoryStore } from "./memory-store.ts";
import { defineQueues, dequeueRuns, listQueues } from "./memory-queues.ts";
import type {
  ClaimQueuedTasksRequest,
  DequeueRunsRequest,
  DequeuedRuns,
  QueuedTaskClaims,
  RunQueueConfig,
  RunQueueInfo,
} from "../run-queue-types.ts";
import { deleteClosedRuns } from "./memory-retention.ts";
import { claimTasks, finishTask, heartbeatTask, heartbeatTasks } from "./memory-tasks.ts";
import { persistAttempts, reissueAttempts } from "./memory-in-process.ts";
import { claimQueuedTasks } from "./memory-queued-tasks.ts";
import {
  fireDueTimers,
  nextDueAt,
  queueStats,
  readInboxItem,
  requestCancel,
  sendSignal,
} from "./memory-timers-signals.ts";

/** Options of {@link MemoryJournal}. */
export interface MemoryJournalOptions {
  /** Time source for timestamps, leases, timers and task deadlines; default: wall clock. */
  readonly clock?: Clock;
}

/**
 * The Journal port in memory: the test kit's journal and the reference the SQL adapter is
 * checked against (both pass `runJournalConformance`). Values are copied in and out
 * (structuredClone), so callers can never mutate stored state. Time comes from the injected
 * Clock, so tests move it by hand.
 *
 * Each method works on the {@link MemoryStore} through the functions of its group: runs
 * (memory-runs.ts), step commits (memory-steps.ts), run leases (memory-run-leases.ts), activity
 * tasks (memory-tasks.ts), timers, signals and cancellation (memory-timers-signals.ts),
 * schedules (memory-schedules.ts, whose firing calls are serialized instead). Those are
 * synchronous: a method does all its work without an `await`, which keeps it atomic.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * const journal = createMemoryJournal({ clock });
 * const { run } = await journal.startRun({ namespace: "default", workflowName: "order", versionHash: "v1", input: null });
 * ```
 */
export class MemoryJournal implements Journal {
  readonly notifier: MemoryNotifier;
  /** The read model over this journal (see JournalInspector). */
  readonly inspector: JournalInspector;
  /** The operator port over this journal (see JournalAdmin). */
  readonly admin: JournalAdmin;
  readonly #store: MemoryStore;

  constructor(options: MemoryJournalOptions = {}) {
    this.notifier = new MemoryNotifier();
    this.#store = new MemoryStore(options.clock ?? systemClock, this.notifier);
    this.inspector = createMemoryInspector(this.#store);
    this.admin = createMemoryAdmin(this.#store, this, this.inspector);
  }

  async now(): Promise<number> {
    return this.#store.clock.now();
  }

  // --- runs -------------------------------------------------------------------------------

  async startRun(request: StartRunRequest): Promise<StartRunResult> {
    const withFirstStep = firstStepStartOf(request);
    if (withFirstStep !== undefined) return startWithFirstStep(this.#store, withFirstStep);
    return startRun(this.#store, request);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const row = this.#store.runs.get(runId);
    return row && toRunRecord(row);
  }

  async getRunByWorkflowId(namespace: string, workflowId: string): Promise<RunRecord | undefined> {
    return getRunByWorkflowId(this.#store, namespace, workflowId);
  }

  async listRuns(filter: RunFilter): Promise<RunPage> {
    return listRuns(this.#store, filter);
  }

  async readHistory(runId: string, afterSeq = 0): Promise<HistoryEvent[]> {
    const row = this.#store.runs.get(runId);
    if (row === undefined) return [];
    return structuredClone(row.history.slice(Math.max(0, afterSeq)));
  }

  // --- workflow steps ---------------------------------------------------------------------

  async claimRuns(request: ClaimRunsRequest): Promise<RunClaim[]> {
    return claimRuns(this.#store, request);
  }

  async commitStep(commit: StepCommit): Promise<StepCommitResult> {
    return commitStep(this.#store, commit);
  }

  async markUnknownVersions(request: MarkUnknownVersionsRequest): Promise<RunRecord[]> {
    return markUnknownVersions(this.#store, request);
  }

  async listUnservedWorkflows(request: UnservedWorkflowsRequest): Promise<UnservedWorkflow[]> {
    return listUnservedWorkflows(this.#store, request);
  }

  async renewRunLeases(owner: string, leases: readonly RunLeaseRef[], leaseMs: number): Promise<string[]> {
    return renewRunLeases(this.#store, owner, leases, leaseMs);
  }

  async releaseRun(lease: RunLeaseRef, options: ReleaseRunOptions = {}): Promise<void> {
    releaseRun(this.#store, lease, options);
  }

  // --- activity tasks ---------------------------------------------------------------------

  async defineQueues(queues: readonly RunQueueConfig[]): Promise<void> {
    defineQueues(this.#store, queues);
  }

  async dequeueRuns(request: DequeueRunsRequest): Promise<DequeuedRuns[]> {
    return dequeueRuns(this.#store, request);
  }

  async listQueues(): Promise<RunQueueInfo[]> {
    return listQueues(this.#store);
  }

  async claimTasks(request: ClaimTasksRequest): Promise<TaskClaim[]> {
    return claimTasks(this.#store, request);
  }

  async claimQueuedTasks(request: ClaimQueuedTasksRequest): Promise<QueuedTaskClaims[]> {
    return claimQueuedTasks(this.#store, request);
  }

  async heartbeatTask(claim: TaskAttemptRef, details?: Encoded): Promise<void> {
    heartbeatTask(this.#store, claim, details);
  }

  async heartbeatTasks(
    heartbeats: readonly TaskHeartbeat[],
    options?: HeartbeatTasksOptions,
  ): Promise<HeartbeatTasksResult> {
    return heartbeatTasks(this.#store, heartbeats, options);
  }

  async finishTask(claim: TaskAttemptRef, outcome: TaskOutcome): Promise<void> {
    finishTask(this.#store, claim, outcome);
  }

  async persistAttempts(request: PersistAttemptsRequest): Promise<readonly string[]> {
    return persistAttempts(this.#store, request);
  }

  async reissueAttempts(request: ReissueAttemptsRequest): Promise<number> {
    return reissueAttempts(this.#store, request);
  }

  // --- timers, signals, cancellation ------------------------------------------------------

  async fireDueTimers(limit: number): Promise<number> {
    return fireDueTimers(this.#store, limit);
  }

  async sendSignal(request: SendSignalRequest): Promise<{ accepted: boolean }> {
    return sendSignal(this.#store, request);
  }

  async readInboxItem(runId: string, inboxId: number): Promise<InboxItem | undefined> {
    return readInboxItem(this.#store, runId, inboxId);
  }

  async requestCancel(runId: string, reason?: string, options?: CancelRequestOptions): Promise<void> {
    requestCancel(this.#store, runId, reason, options);
  }

  // --- schedules --------------------------------------------------------------------------

  async upsertSchedule(request: UpsertScheduleRequest): Promise<UpsertScheduleResult> {
    return upsertSchedule(this.#store, request);
  }

  async getSchedule(namespace: string, name: string): Promise<ScheduleRecord | undefined> {
    return getSchedule(this.#store, namespace, name);
  }

  async listSchedules(namespace?: string): Promise<ScheduleRecord[]> {
    return listSchedules(this.#store, namespace);
  }

  async setSchedulePaused(namespace: string, name: string, paused: boolean): Promise<ScheduleRecord> {
    return setSchedulePaused(this.#store, namespace, name, paused);
  }

  async deleteSchedule(namespace: string, name: string): Promise<boolean> {
    return deleteSchedule(this.#store, namespace, name);
  }

  fireDueSchedules(request: FireDueSchedulesRequest): Promise<ScheduleFireResult> {
    return fireDueSchedules(this.#store, request);
  }

  fireSchedule(request: FireScheduleRequest): Promise<ScheduleFireResult> {
    return fireSchedule(this.#store, request);
  }

  async nextDueAt(): Promise<number | undefined> {
    return nextDueAt(this.#store);
  }

  async queueStats(): Promise<QueueStats> {
    return queueStats(this.#store);
  }

  async deleteClosedRuns(request: DeleteClosedRunsRequest): Promise<DeleteClosedRunsResult> {
    return deleteClosedRuns(this.#store, request);
  }

  async close(): Promise<void> {
    await this.notifier.close();
  }
}

/** Creates a {@link MemoryJournal}; see there. */
export function createMemoryJournal(options: MemoryJournalOptions = {}): MemoryJournal {
  return new MemoryJournal(options);
}
