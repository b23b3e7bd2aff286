import type { RunQueueInfo } from "../journal/run-queue-types.ts";
import type {
  OperatorActionPage,
  OperatorActionPageRequest,
  AuditRecord,
  HealthRecord,
  HealthRequest,
  HistoryPageRequest,
  RunCounts,
  RunDetailRecord,
  RunQuery,
  RunRecord,
  TaskRecord,
  TimerRecord,
  WorkflowVersionRecord,
  Finding,
  FindingTask,
} from "../journal/journal.ts";
import type { HistoryEvent } from "../model/index.ts";
import type { InspectedError } from "./display-value.ts";
import type { ScheduleDescription } from "../schedules/schedule-client.ts";

/** Filters of the runs page: RunQuery with attribute values as plain values (encoded here). */
export interface RunsQuery extends Omit<RunQuery, "attributes"> {
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** A runs page request; see RunPageRequest. */
export interface RunsPageRequest extends RunsQuery {
  readonly limit?: number;
  readonly after?: string;
  readonly before?: string;
}

/** A run with its payloads decoded and its error split into message and fix. */
export interface InspectedRun extends Omit<RunRecord, "input" | "result" | "error" | "attributes"> {
  readonly input: unknown;
  readonly result?: unknown;
  readonly error?: InspectedError;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** A page of runs, newest first. */
export interface InspectedRunsPage {
  readonly runs: readonly InspectedRun[];
  readonly next?: string;
  readonly previous?: string;
}

/** The run page: the run, its lineage and wake-up state. */
export interface InspectedRunDetail extends Omit<RunDetailRecord, "run"> {
  readonly run: InspectedRun;
}

/** A history event: where it is, what it is, and its other fields decoded. */
export interface InspectedEvent {
  readonly seq: number;
  readonly at: number;
  readonly kind: HistoryEvent["kind"];
  /** The effect's call-site identity, for effect events. */
  readonly identity?: string;
  /** Every other field; payloads decoded, errors as InspectedError. */
  readonly data: Readonly<Record<string, unknown>>;
}

/** A page of history. */
export interface InspectedHistoryPage {
  readonly events: readonly InspectedEvent[];
  /** Pass as `afterSeq` for the next page; absent at the end. */
  readonly nextAfterSeq?: number;
}

/** An activity task with its arguments, heartbeat details and last error decoded. */
export interface InspectedTask extends Omit<TaskRecord, "args" | "lastError" | "heartbeatDetails"> {
  readonly args: unknown;
  readonly lastError?: InspectedError;
  readonly heartbeatDetails?: unknown;
}

/** An undelivered inbox item: what it is and its fields decoded. */
export interface InspectedInboxItem {
  readonly id: number;
  readonly kind: string;
  readonly receivedAt: number;
  readonly identity?: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** A task named by a health finding, its last error decoded. */
export interface InspectedFindingTask extends Omit<FindingTask, "lastError"> {
  readonly lastError?: InspectedError;
}

/** The kinds of health problems (what makes `continuum health` exit 1). */
export type HealthProblemKind =
  | "unclaimed_ready_runs"
  | "overdue_timers"
  | "expired_run_leases"
  | "expired_task_leases"
  | "unknown_versions"
  | "schema_behind";

/** One problem of a health report, for people: what, how many, what to do. */
export interface HealthProblem {
  readonly kind: HealthProblemKind;
  readonly count: number;
  readonly message: string;
  readonly fix: string;
}

/** The health report: HealthRecord decoded, plus its problems and the schema version expected. */
export interface HealthReport extends Omit<HealthRecord, "deadLetters"> {
  readonly deadLetters: Finding<InspectedFindingTask>;
  /** The schema version this build of Continuum needs (SQL journals). */
  readonly requiredSchemaVersion?: number;
  /** Findings that need an operator; empty when healthy. Idle runs and dead letters are information. */
  readonly problems: readonly HealthProblem[];
}

/**
 * The public read model: what the Observer, the CLI and the OpenTelemetry bridge read, on any
 * journal (memory, PGlite, PostgreSQL). Read-only; payloads come back decoded (an undecodable
 * one as `UndecodablePayload`), errors with their code, message and fix line apart.
 */
export interface Inspector {
  /**
   * A page of runs, newest first. Follow `next` for older runs, `previous` for newer ones.
   *
   * @example
   * ```ts
   * const page = await inspector.runs({ status: "failed", workflowName: "order", limit: 20 });
   * const older = await inspector.runs({ status: "failed", workflowName: "order", limit: 20, after: page.next });
   * ```
   */
  runs(request?: RunsPageRequest): Promise<InspectedRunsPage>;
  /** Runs per status for the filters (no paging). */
  counts(query?: RunsQuery): Promise<RunCounts>;
  /**
   * One run by run id, else the latest run with that workflow id (in `namespace` when given).
   *
   * @example
   * ```ts
   * const detail = await inspector.run("order-17");
   * console.log(detail?.run.status, detail?.nextWakeAt, detail?.run.leaseOwner);
   * ```
   */
  run(id: string, options?: { readonly namespace?: string }): Promise<InspectedRunDetail | undefined>;
  /**
   * One page of a run's history, decoded.
   *
   * @example
   * ```ts
   * for (let page = await inspector.history(runId); ; page = await inspector.history(runId, { afterSeq: page.nextAfterSeq })) {
   *   for (const event of page.events) console.log(event.seq, event.kind);
   *   if (page.nextAfterSeq === undefined) break;
   * }
   * ```
   */
  history(runId: string, request?: HistoryPageRequest): Promise<InspectedHistoryPage>;
  /** The run's activity tasks with attempts, last error and heartbeat. */
  tasks(runId: string): Promise<InspectedTask[]>;
  /** The run's pending timers, earliest first. */
  timers(runId: string): Promise<TimerRecord[]>;
  /** The run's undelivered inbox items (signals, results, cancellations waiting for its next step). */
  inbox(runId: string): Promise<InspectedInboxItem[]>;
  /** Workflow names and versions with runs per status. */
  workflows(options?: { readonly namespace?: string }): Promise<WorkflowVersionRecord[]>;
  /**
   * Named run queues (`defineQueue`) with their limits, backlog (runs waiting to be dequeued),
   * running (runs dequeued and not ended: the slots in use) and the rate window's count.
   */
  queues(): Promise<RunQueueInfo[]>;
  /**
   * The health report.
   *
   * @example
   * ```ts
   * const report = await inspector.health({ staleAfterMs: 60_000 });
   * for (const problem of report.problems) console.error(`${problem.kind}: ${problem.message}`);
   * ```
   */
  health(request?: HealthRequest): Promise<HealthReport>;
  /**
   * Schedules (of one namespace, or all), by namespace then name, each with its input decoded,
   * its firing state (next fire time, last fire and run, fired and skipped counts, the last
   * skip's reason) and its next few fire times.
   *
   * @example
   * ```ts
   * for (const s of await inspector.schedules()) console.log(s.name, new Date(s.upcoming[0] ?? NaN));
   * ```
   */
  schedules(options?: { readonly namespace?: string }): Promise<ScheduleDescription[]>;
  /** One schedule, or undefined. */
  schedule(namespace: string, name: string): Promise<ScheduleDescription | undefined>;
  /**
   * Checks the journal's invariants (history without gaps or duplicates, no orphan events, no
   * missing parents or successors, finished runs without leftover work, leases past expiry).
   * Reads every run and event: an operator's tool, not a monitoring probe.
   *
   * @example
   * ```ts
   * const { findings } = await inspector.audit();
   * if (findings.history_gaps.count > 0) console.error(findings.history_gaps.sample);
   * ```
   */
  audit(request?: { readonly sampleLimit?: number }): Promise<AuditRecord>;
  /**
   * The operator audit log (what `createOperator` recorded: who did what, on which run, from
   * where, when, and how it ended), newest first: everything, or one run's entries. Empty on a
   * journal without an operator port.
   *
   * @example
   * ```ts
   * const { entries, next } = await inspector.auditLog({ runId });
   * ```
   */
  auditLog(request?: OperatorActionPageRequest): Promise<OperatorActionPage>;
}
