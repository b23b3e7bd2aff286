// The read model's port: what the Observer, the CLI and the OpenTelemetry bridge read. Kept apart
// from the Journal port (journal.ts) the way Kysely keeps its DatabaseIntrospector apart from its
// Driver: the engine's write path stays small, fakes and wrappers of Journal need not grow, and a
// reader can be handed an inspector without the journal's write methods.
import type { AttributeCondition } from "../model/attribute-query.ts";
import type { EffectIdentity, Encoded, HistoryEvent, RunStatus, SerializedError } from "../model/index.ts";
import type { InboxItem, RunRecord } from "./journal-types.ts";

/** Filters of the runs page and of its counts. Every field narrows; none is required. */
export interface RunQuery {
  readonly namespace?: string;
  readonly status?: RunStatus | readonly RunStatus[];
  readonly workflowName?: string;
  /** Only runs of this version hash (with or without `workflowName`). */
  readonly versionHash?: string;
  /** Runs whose attributes contain all of these (jsonb containment). */
  readonly attributes?: Readonly<Record<string, Encoded>>;
  /** Runs whose search attributes match this typed query (see `attr`; the same as `list({ where })`). */
  readonly where?: AttributeCondition;
  /** Only children of this run. */
  readonly parentRunId?: string;
  /** Created at or after this instant (epoch ms, journal clock). */
  readonly startedFrom?: number;
  /** Created before this instant (epoch ms, journal clock). */
  readonly startedTo?: number;
  /** Run id or workflow id starting with this text (an exact id matches too). */
  readonly idPrefix?: string;
}

/** A page request: at most one of `after` (older runs) and `before` (newer runs). */
export interface RunPageRequest extends RunQuery {
  /** Page size, default 50, at most 1000. */
  readonly limit?: number;
  /** Opaque cursor (`next` of a page): the runs after it, newest first. */
  readonly after?: string;
  /** Opaque cursor (`previous` of a page): the page of runs just newer than it. */
  readonly before?: string;
}

/** One page of runs, newest first. */
export interface InspectedRunPage {
  readonly runs: readonly RunRecord[];
  /** Cursor of the following (older) page; absent on the last page. */
  readonly next?: string;
  /** Cursor of the preceding (newer) page; absent on the first page. */
  readonly previous?: string;
}

/** Runs per status for a query (no pagination), and their total. */
export type RunCounts = { readonly [S in RunStatus]: number } & { readonly total: number };

/** Everything the run page shows about one run, beyond its RunRecord. */
export interface RunDetailRecord {
  readonly run: RunRecord;
  /** The run this one continues (continue-as-new), if any. */
  readonly continuedFrom?: string;
  /** Ready for a step: it has undelivered inbox items or was never stepped. */
  readonly ready: boolean;
  /** Claims skip the run until then (drift and step-error backoff). */
  readonly notBefore?: number;
  /** Earliest pending timer or activity retry (a task waiting after a failed attempt) of the run. */
  readonly nextWakeAt?: number;
  readonly pendingTimers: number;
  /** Tasks waiting for an attempt or running. */
  readonly openTasks: number;
  readonly pendingInbox: number;
  /** Children (and their successors), all statuses. */
  readonly children: number;
}

/** A page of history. */
export interface HistoryPageRequest {
  /** Events with seq > afterSeq; default 0. */
  readonly afterSeq?: number;
  /** Default 200, at most 5000. */
  readonly limit?: number;
}

/** Events of one page, in seq order, and the cursor of the next. */
export interface HistoryPage {
  readonly events: readonly HistoryEvent[];
  /** `afterSeq` of the next page; absent when this page reached the end. */
  readonly nextAfterSeq?: number;
}

/** Status of an activity task. */
export type TaskStatus = "pending" | "running" | "completed" | "failed";

/** One activity task of a run, with its attempts so far. */
export interface TaskRecord {
  readonly taskId: string;
  readonly runId: string;
  readonly identity: EffectIdentity;
  readonly activityName: string;
  readonly status: TaskStatus;
  readonly args: Encoded;
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Error of the last failed attempt (retried or final). */
  readonly lastError?: SerializedError;
  /** Details of the last heartbeat that carried some (any attempt). */
  readonly heartbeatDetails?: Encoded;
  /** Time of the current attempt's last heartbeat. */
  readonly heartbeatAt?: number;
  readonly scheduledAt: number;
  /** Start of the current (or last) attempt. */
  readonly attemptStartedAt?: number;
  /** Pending: when it may be claimed (a retry's time); running: the attempt's deadline. */
  readonly dueAt?: number;
  readonly finishedAt?: number;
  /** Issued by the step that ended its run (fire-and-forget). */
  readonly detached: boolean;
  /**
   * The named queue the activity is routed to (`defineActivity(..., { queue })`). A pending task
   * with a queue whose `dueAt` has passed waits for that queue's limits (see `listQueues`), not
   * for a failure: this is why its run is not progressing.
   */
  readonly queue?: string;
  /**
   * A call without a task row, whose record is made from the run's history (`taskId` is
   * `history:<identity>`): mostly an attempt its engine ran in its own process
   * (`NewTask.inProcess`; a `running` one is still running there), else a result reused by
   * idempotency key or a call copied by an operator's retry. Absent for task rows.
   */
  readonly fromHistory?: true;
}

/** A pending durable timer. */
export interface TimerRecord {
  readonly runId: string;
  readonly identity: EffectIdentity;
  readonly fireAt: number;
  readonly createdAt: number;
}

/** Thresholds of the health report. */
export interface HealthRequest {
  readonly namespace?: string;
  /** How long a ready run may stay unclaimed, a timer overdue or a lease expired before it counts. Default 60 s. */
  readonly staleAfterMs?: number;
  /** Sample rows per finding (default 20, at most 1000); counts are always exact. */
  readonly sampleLimit?: number;
}

/** Age buckets of open runs (by creation time). */
export const ageBuckets = ["1m", "1h", "1d", "7d", "older"] as const;
/** One age bucket: under 1 minute, 1 hour, 1 day, 7 days, or older. */
export type AgeBucket = (typeof ageBuckets)[number];

/** A count with a sample of what was counted. */
export interface Finding<T> {
  readonly count: number;
  readonly sample: readonly T[];
}

/** A run named by a finding. */
export interface FindingRun {
  readonly runId: string;
  readonly workflowId: string;
  readonly workflowName: string;
  readonly versionHash: string;
  readonly status: RunStatus;
  /** Since when the finding holds (ready since, lease expired at, ...). */
  readonly since: number;
}

/** A task named by a finding. */
export interface FindingTask {
  readonly taskId: string;
  readonly runId: string;
  readonly activityName: string;
  readonly attempt: number;
  readonly since: number;
  readonly lastError?: SerializedError;
}

/** A timer named by a finding. */
export interface FindingTimer {
  readonly runId: string;
  readonly identity: EffectIdentity;
  readonly fireAt: number;
}

/** Runs of one workflow version, per status. */
export interface WorkflowVersionRecord {
  readonly workflowName: string;
  readonly versionHash: string;
  readonly counts: RunCounts;
  readonly lastStartedAt: number;
}

/** The journal's health, as the journal sees it now. */
export interface HealthRecord {
  /** The journal clock when the report was made. */
  readonly now: number;
  readonly staleAfterMs: number;
  readonly runsByStatus: RunCounts;
  /** Open runs (running, stuck) per status and age bucket. */
  readonly openRunAges: Readonly<Record<"running" | "stuck_unknown_version", Record<AgeBucket, number>>>;
  /** Ready runs nobody claimed for longer than `staleAfterMs` (no live lease, not deferred). */
  readonly unclaimedReadyRuns: Finding<FindingRun>;
  /**
   * Running runs with nothing that wakes them by itself: not ready, no timer, no open task, no
   * open child. Normal for a run waiting for a signal without a timeout; a lost wake-up otherwise.
   */
  readonly idleRuns: Finding<FindingRun>;
  /** Timers past their fire time by more than `staleAfterMs` (the timer wheel is not firing). */
  readonly overdueTimers: Finding<FindingTimer>;
  /** Open runs whose lease expired more than `staleAfterMs` ago. */
  readonly expiredRunLeases: Finding<FindingRun>;
  /** Running attempts past their deadline by more than `staleAfterMs`. */
  readonly expiredTaskLeases: Finding<FindingTask>;
  /** Tasks that failed for good (attempts exhausted or a non-retryable error). */
  readonly deadLetters: Finding<FindingTask>;
  /** Runs marked stuck_unknown_version: no engine has their version's code. */
  readonly unknownVersions: readonly WorkflowVersionRecord[];
  /** Applied schema version (SQL journals); absent for the memory journal. */
  readonly schemaVersion?: number;
  /**
   * History partitions (SQL journals): monthly partitions attached, and events in the default
   * partition (counted up to 100,001, so the report stays cheap): history of a month that had
   * no partition, which `continuum partitions ensure` moves online.
   */
  readonly historyPartitions?: { readonly monthly: number; readonly defaultRows: number };
}

/**
 * The invariants `audit` checks, most serious first:
 * - `history_gaps`: a run's events are not exactly seq 1..lastSeq;
 * - `history_duplicates`: a seq stored twice for one run;
 * - `orphan_events`: events of a run that does not exist;
 * - `missing_parents`: a child whose parent run does not exist;
 * - `broken_chains`: a continued run whose successor does not exist;
 * - `finished_runs_with_work`: a finished run with a lease, inbox items, timers, queued
 *   (non-detached) tasks or still marked ready;
 * - `leases_past_expiry`: an open run's lease or a running attempt past its expiry (normal
 *   for a moment after an engine died; recovery takes them over).
 */
export const auditChecks = [
  "history_gaps",
  "history_duplicates",
  "orphan_events",
  "missing_parents",
  "broken_chains",
  "finished_runs_with_work",
  "leases_past_expiry",
] as const;
/** One invariant of {@link auditChecks}. */
export type AuditCheck = (typeof auditChecks)[number];

/** A run (or a run id events point at) that breaks an invariant, and how. */
export interface AuditFinding {
  readonly runId: string;
  /** What is wrong, for people (e.g. "events 1..4 and 6, lastSeq 6"). */
  readonly detail: string;
}

/** What `audit` found, per invariant. */
export interface AuditRecord {
  readonly now: number;
  readonly runs: number;
  readonly findings: Readonly<Record<AuditCheck, Finding<AuditFinding>>>;
}

/** An item of a run's inbox: an undelivered resolution. */
export type InboxRecord = InboxItem;

/**
 * The read model's port. Read-only: no method takes a lock or writes. Both adapters implement
 * it (`journal.inspector` of MemoryJournal and of the SQL journal) and pass the inspector cases
 * of the conformance suite. Apps use `createInspector(journal)`, which decodes payloads.
 */
export interface JournalInspector {
  /** Runs matching `request`, newest first (keyset pagination both ways). */
  listRuns(request: RunPageRequest): Promise<InspectedRunPage>;
  /** Runs per status for `query`, without pagination. */
  countRuns(query: RunQuery): Promise<RunCounts>;
  /** One run with its lineage and wake-up state; undefined when unknown. */
  getRunDetail(runId: string): Promise<RunDetailRecord | undefined>;
  /** One page of a run's history. */
  readHistoryPage(runId: string, request?: HistoryPageRequest): Promise<HistoryPage>;
  /** The run's activity tasks (open and finished ones the journal keeps), in schedule order. */
  listTasks(runId: string): Promise<TaskRecord[]>;
  /** The run's pending timers, earliest first. */
  listTimers(runId: string): Promise<TimerRecord[]>;
  /** The run's undelivered inbox items, in inbox order. */
  listInbox(runId: string): Promise<InboxRecord[]>;
  /** Workflow names and versions that have runs, with runs per status. */
  listWorkflows(query?: { readonly namespace?: string }): Promise<WorkflowVersionRecord[]>;
  /** The health report. */
  health(request?: HealthRequest): Promise<HealthRecord>;
  /**
   * Checks the journal's invariants (see {@link auditChecks}); reads every run and event, so
   * it is an operator's tool, not a monitoring probe. Samples are ordered by run id.
   */
  audit(request?: { readonly sampleLimit?: number }): Promise<AuditRecord>;
}
