import type {
  EffectIdentity,
  Encoded,
  HistoryEvent,
  ParentClosePolicy,
  ResolvedActivityOptions,
  RunStatus,
  SerializedError,
  TraceContext,
} from "../../model/index.ts";
import type { InboxItem, RunRecord } from "../journal.ts";

/** A run as the memory journal keeps it: the run row plus its history, inbox and seen delivery ids. */
export interface RunRow {
  readonly runId: string;
  readonly namespace: string;
  readonly workflowId: string;
  readonly workflowName: string;
  readonly versionHash: string;
  status: RunStatus;
  input: Encoded;
  result?: Encoded;
  error?: SerializedError;
  /** Replaced (never mutated) by a step that sets attributes (setAttributes). */
  attributes: Readonly<Record<string, Encoded>>;
  readonly parentRunId?: string;
  readonly parentIdentity?: string;
  readonly parentClosePolicy?: ParentClosePolicy;
  continuedTo?: string;
  readonly traceContext?: TraceContext;
  lastSeq: number;
  fencingToken: number;
  leaseOwner?: string;
  leaseExpiresAt?: number;
  readonly createdAt: number;
  updatedAt: number;
  finishedAt?: number;
  /** Set by a deferring release: claims skip the run until the clock reaches it. */
  notBefore?: number;
  /** Queued runs (see migrations/0013_queues.sql): claims skip them (notBefore) until dequeued. */
  queue?: MemoryQueuedRun;
  /** Delayed starts: the requested start time (the run is deferred by notBefore until then). */
  startAt?: number;
  /**
   * A delayed start not made ready yet (SQL: ready_since NULL): claims skip it until the timer
   * wheel (fireDueTimers) makes it ready once its start time came, or a delivery does.
   */
  awaitingStart?: boolean;
  /** Where a delayed start made ready stands in the ready order (SQL: its new ready_since). */
  readyOrder?: number;
  /** False until the first commitStep: a never-stepped run is ready without inbox items. */
  stepped: boolean;
  /** Calls whose attempts run in-process without a task row (SQL: in_process_calls; see NewTask.inProcess). */
  inProcessCalls?: string[];
  /** Creation order (shares the journal's counter with inbox ids). */
  readonly order: number;
  readonly history: HistoryEvent[];
  inbox: InboxItem[];
  readonly deliveryIds: Set<string>;
}

/** A run's place in its queue (memory journal). */
export interface MemoryQueuedRun {
  readonly name: string;
  readonly priority: number;
  readonly dedupeKey?: string;
  /** Partitioned queues: the partition the run is counted in. */
  readonly partitionKey?: string;
  /** Debounced runs: not dequeued before this instant. */
  readyAt?: number;
  dequeuedAt?: number;
  dequeuedBy?: string;
}

/** An activity task and its current attempt. */
export interface TaskRow {
  readonly taskId: string;
  readonly runId: string;
  readonly identity: EffectIdentity;
  readonly activityName: string;
  readonly args: Encoded;
  readonly options: ResolvedActivityOptions;
  /** Attempts started so far. */
  attempt: number;
  state: "ready" | "running" | "done";
  attemptToken?: string;
  /** The engine running the current attempt (counted by a queue's perEngineConcurrency). */
  owner?: string;
  /** When a ready task may be claimed. */
  availableAt: number;
  /** Start-to-close deadline of the running attempt (heartbeats do not move it). */
  closeBy?: number;
  /** Heartbeat deadline of the running attempt, when the task has a heartbeat timeout. */
  heartbeatBy?: number;
  /** The engine's attempt lease of the running attempt, when its engine keeps one. */
  leaseBy?: number;
  /** A step withdrew the call while this attempt ran (heartbeatTasks reports it `withdrawn`). */
  cancelRequested?: boolean;
  /** Last heartbeat details and last retried error: not read back through the port, kept as SQL keeps them. */
  details?: Encoded;
  lastError?: SerializedError;
  readonly order: number;
  /** Read model only (JournalInspector): when the task was scheduled, its attempt started, its last heartbeat, its end. */
  scheduledAt?: number;
  attemptStartedAt?: number;
  heartbeatAt?: number;
  finishedAt?: number;
  /** How a finished task ended (kept in MemoryStore.finishedTasks). */
  outcome?: "completed" | "failed";
  /** Issued by the step that ended its run: claimable although the run is finished. */
  readonly detached?: boolean;
}

/** A pending timer: fires into its run's inbox at `fireAt` (journal clock). */
export interface TimerRow {
  readonly runId: string;
  readonly identity: EffectIdentity;
  readonly fireAt: number;
  readonly order: number;
  /** Read model only: when the step that set it committed. */
  readonly createdAt?: number;
}

/** The moment a running attempt is abandoned: the earliest of its deadlines. */
export function attemptDeadline(task: TaskRow): number {
  return Math.min(
    task.closeBy ?? Number.POSITIVE_INFINITY,
    task.heartbeatBy ?? Number.POSITIVE_INFINITY,
    task.leaseBy ?? Number.POSITIVE_INFINITY,
  );
}

/** The public view of a run row, with absent optional fields left out (as SQL would). */
export function toRunRecord(row: RunRow): RunRecord {
  const record: { -readonly [K in keyof RunRecord]: RunRecord[K] } = {
    runId: row.runId,
    namespace: row.namespace,
    workflowId: row.workflowId,
    workflowName: row.workflowName,
    versionHash: row.versionHash,
    status: row.status,
    input: row.input,
    attributes: row.attributes,
    lastSeq: row.lastSeq,
    fencingToken: row.fencingToken,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
  if (row.result !== undefined) record.result = row.result;
  if (row.error !== undefined) record.error = row.error;
  if (row.parentRunId !== undefined) record.parentRunId = row.parentRunId;
  if (row.parentIdentity !== undefined) record.parentIdentity = row.parentIdentity;
  if (row.parentClosePolicy !== undefined) record.parentClosePolicy = row.parentClosePolicy;
  if (row.continuedTo !== undefined) record.continuedTo = row.continuedTo;
  if (row.traceContext !== undefined) record.traceContext = row.traceContext;
  if (row.leaseOwner !== undefined) record.leaseOwner = row.leaseOwner;
  if (row.leaseExpiresAt !== undefined) record.leaseExpiresAt = row.leaseExpiresAt;
  if (row.finishedAt !== undefined) record.finishedAt = row.finishedAt;
  if (row.startAt !== undefined) record.startAt = row.startAt;
  return structuredClone(record);
}
