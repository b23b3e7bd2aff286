// The operator port: the journal's writes on behalf of people (the audit log, retry from a
// failure, fenced repairs). Kept apart from the engine's Journal port for the reason the read
// model is (journal-inspector.ts): the engine's write path stays small and wrappers of Journal
// need not grow. Apps use `createOperator({ journal, actor })`, which validates and audits.
import type { EffectIdentity, Encoded, SerializedError } from "../model/index.ts";
import type { Journal } from "./journal.ts";
import type { RunRecord } from "./journal-types.ts";

/** What an operator did. */
export const operatorActionKinds = ["cancel", "terminate", "signal", "retry", "repair"] as const;
/** One of {@link operatorActionKinds}. */
export type OperatorActionKind = (typeof operatorActionKinds)[number];

/** Where an action came from, as the caller reports it (the CLI: host and OS user; the Observer: ip and user agent). */
export interface OperatorOrigin {
  readonly host?: string;
  readonly ip?: string;
  readonly userAgent?: string;
  /** The tool that took the action ("cli", "observer", an app's name). */
  readonly via?: string;
}

/** An audit entry to append. Parameters never hold secrets: callers pass names and sizes, not payloads. */
export interface OperatorActionInput {
  readonly actor: string;
  readonly action: OperatorActionKind;
  readonly namespace?: string;
  readonly runId?: string;
  readonly workflowId?: string;
  readonly parameters?: Readonly<Record<string, Encoded>>;
  readonly origin?: OperatorOrigin;
  readonly outcome: "succeeded" | "failed";
  /** The error of a failed action: its code and message (never a stack). */
  readonly error?: { readonly code: string; readonly message: string };
  /** What the action produced (e.g. the new run of a retry, the counts of a repair). */
  readonly result?: Readonly<Record<string, Encoded>>;
}

/** An audit entry as stored. */
export interface OperatorActionRecord extends OperatorActionInput {
  /** Empty when the entry was appended without any. */
  readonly parameters: Readonly<Record<string, Encoded>>;
  /** Empty when the caller reported none. */
  readonly origin: OperatorOrigin;
  /** Increasing per journal; the order of the log. */
  readonly id: number;
  /** When it was appended, by the journal clock. */
  readonly at: number;
}

/** A page of the audit log, newest first. */
export interface OperatorActionPageRequest {
  /** Only entries naming this run. */
  readonly runId?: string;
  /** Page size, default 50, at most 1000. */
  readonly limit?: number;
  /** `next` of an earlier page: entries older than it. */
  readonly before?: number;
}

/** Entries of one page, newest first, and the cursor of the next (older) page. */
export interface OperatorActionPage {
  readonly entries: readonly OperatorActionRecord[];
  readonly next?: number;
}

/** Retry a failed run from its failure; see {@link JournalAdmin.retryRun}. */
export interface RetryRunRequest {
  readonly runId: string;
  /** The new run's id (default: a random UUID). */
  readonly newRunId?: string;
  /** The version hash the new run runs under (default: the failed run's), after a fix to the workflow code. */
  readonly versionHash?: string;
}

/** What a retry created. */
export interface RetryRunResult {
  readonly run: RunRecord;
  readonly retriedFrom: string;
  /** Events copied from the failed run (seq 1..copiedEvents). */
  readonly copiedEvents: number;
  /** Activity calls scheduled again (the failed one, and any still open at the failure point). */
  readonly rescheduled: readonly EffectIdentity[];
  /** Timers set again (open at the failure point), at their original fire time. */
  readonly timers: readonly EffectIdentity[];
  /** Signals received after the failure point, put in the new run's inbox in their order. */
  readonly carriedSignals: number;
}

/** A health finding that `repair` fixes. */
export const repairKinds = ["expired-leases", "lost-wakes", "overdue-timers"] as const;
/** One of {@link repairKinds}. */
export type RepairKind = (typeof repairKinds)[number];

/**
 * One change a repair makes, with the state it was planned against (the fence): executing it
 * changes the row only when the row still has that state.
 * - `release_lease`: an open run whose lease expired: the lease is cleared and the fencing token
 *   bumped (the dead holder's writes fail), so any engine claims it at once;
 * - `mark_ready`: a running run with nothing that wakes it (no inbox item, timer, open task or
 *   open child; not ready): it is marked ready so an engine steps it again;
 * - `fire_timer`: a timer past its fire time: it fires into the run's inbox now.
 */
export type RepairItem =
  | {
      readonly kind: "release_lease";
      readonly runId: string;
      readonly fencingToken: number;
      readonly leaseOwner: string;
      readonly leaseExpiresAt: number;
    }
  | {
      readonly kind: "mark_ready";
      readonly runId: string;
      readonly lastSeq: number;
      readonly updatedAt: number;
    }
  | {
      readonly kind: "fire_timer";
      readonly runId: string;
      readonly identity: EffectIdentity;
      readonly fireAt: number;
    };

/** Plans a repair: the items of one finding, as the health report counts them. */
export interface RepairPlanRequest {
  readonly kind: RepairKind;
  readonly namespace?: string;
  /** How long the condition must have held (default 60 s, as in the health report). */
  readonly staleAfterMs?: number;
  /** At most this many items (default 100, at most 1000), oldest first. */
  readonly limit?: number;
}

/** What executing a plan did: each item applied, or skipped because its row changed since the plan. */
export interface RepairResult {
  readonly applied: readonly RepairItem[];
  readonly skipped: readonly RepairItem[];
}

/** One partition of the history table (continuum.events). */
export interface EventPartitionInfo {
  readonly name: string;
  /** `default` catches history of months without a partition: rows there are a warning. */
  readonly kind: "range" | "default";
  /** First day covered (ISO date), for a range partition. */
  readonly from?: string;
  /** First day no longer covered (ISO date), for a range partition. */
  readonly to?: string;
  /** Rows: exact for the default partition, the planner's estimate for the others. */
  readonly rows: number;
  readonly rowsExact: boolean;
  /** pg_total_relation_size: table, indexes and TOAST. */
  readonly bytes: number;
  /** The default partition's rows per history month (first day of the month); empty for the others. */
  readonly months: readonly EventPartitionMonth[];
}

/** Rows of one history month (its first day, ISO date). */
export interface EventPartitionMonth {
  readonly month: string;
  readonly rows: number;
}

/** What `ensurePartitions` does; see {@link JournalAdmin.ensurePartitions}. */
export interface EnsurePartitionsRequest {
  /** Months from the database clock's month on that must have a partition (default 3). */
  readonly monthsAhead?: number;
  /** Also move every month found in the default partition to its own partitions, online. */
  readonly convert?: boolean;
  /** Runs re-keyed per transaction while converting (default 500). */
  readonly batchRuns?: number;
  /** Wait for another caller that is ensuring (default: return at once with `busy`). */
  readonly wait?: boolean;
  /** Called after each converted batch with the month's running totals. */
  readonly onProgress?: (progress: {
    readonly month: string;
    readonly runs: number;
    readonly events: number;
  }) => void;
}

/** What `ensurePartitions` did. */
export interface EnsurePartitionsResult {
  /** Months whose partition was created (first days, ISO dates). */
  readonly created: readonly string[];
  /** Months moved out of the default partition, with the runs re-keyed and events moved. */
  readonly converted: readonly { readonly month: string; readonly runs: number; readonly events: number }[];
  /** Another caller was ensuring and `wait` was not set: nothing was done. */
  readonly busy: boolean;
}

/** Drop monthly partitions; see {@link JournalAdmin.dropPartitions}. */
export interface DropEventPartitionsRequest {
  /** Partitions whose range ends on or before this ISO date. */
  readonly before: string;
  /** Drop (default: a dry run that lists what would go and what is held). */
  readonly execute?: boolean;
  /**
   * Look only at partitions that hold no rows (one cheap probe each) and leave the others out of
   * `kept` without counting their runs: the engine's hourly pass, which must not scan the runs
   * table for months that are plainly in use.
   */
  readonly emptyOnly?: boolean;
}

/** Partitions dropped (or, in a dry run, that would be) and those kept because runs still hold them. */
export interface DropEventPartitionsResult {
  readonly before: string;
  readonly executed: boolean;
  readonly dropped: readonly EventPartitionInfo[];
  readonly kept: readonly {
    readonly partition: EventPartitionInfo;
    readonly openRuns: number;
    readonly closedRuns: number;
  }[];
}

/**
 * The operator port. Both built-in adapters have one (`journal.admin`) and pass the operator
 * cases of the conformance suite. Apps use `createOperator({ journal, actor })`.
 */
export interface JournalAdmin {
  /**
   * Runs `work` against a journal joined to one transaction and appends the entry `entry(value)`
   * describes in that same transaction: the change and its audit entry commit together or not
   * at all. If `work` throws, nothing it wrote stays; the caller records the failure on its own.
   * Memory: `work` then the append, with no other journal call in between that could fail.
   */
  audited<T>(
    work: (journal: Journal) => Promise<T>,
    entry: (value: T) => OperatorActionInput,
  ): Promise<{ readonly value: T; readonly entry: OperatorActionRecord }>;
  /** Appends one entry on its own (a refused or failed action). */
  appendOperatorAction(entry: OperatorActionInput): Promise<OperatorActionRecord>;
  /** A page of the audit log, newest first, all entries or one run's. */
  listOperatorActions(request?: OperatorActionPageRequest): Promise<OperatorActionPage>;
  /**
   * Retries a failed run from its failure, as a new run of the same workflow id (Temporal's
   * reset): the failed run stays as it was (its history is never rewritten, so seq stays gap-free
   * and its fencing untouched). The failure point is the last `activity_failed` event of the
   * run, or its `run_failed` event when no activity failed. The new run gets events 1..point-1
   * verbatim (completed activities keep their results and are not run again), a fresh task for
   * every activity scheduled before the point without a result before it (the failed call among
   * them, attempt 1 again), the timers open at the point (at their original fire time), and the
   * signals received after the point in its inbox; it is ready, so an engine replays it and
   * waits for the rescheduled work. Refused (RunNotRetryableError, nothing written) when the run
   * is not failed, is a child (its parent was told it failed), had a child open at the point, or
   * its workflow id is held by another open run. One transaction.
   */
  retryRun(request: RetryRunRequest): Promise<RetryRunResult>;
  /** Lists what repairing a finding would change now (read-only): the dry run. */
  planRepair(request: RepairPlanRequest): Promise<RepairItem[]>;
  /**
   * Applies exactly `items` (a plan), each fenced by the state it was planned against: a row that
   * changed since is skipped and reported, never touched. One transaction.
   */
  executeRepair(items: readonly RepairItem[]): Promise<RepairResult>;
  /** The history table's partitions with ranges, sizes and rows (none on the memory journal). */
  partitions(): Promise<EventPartitionInfo[]>;
  /**
   * Makes sure this month's and the next `monthsAhead - 1` months' history partitions exist and,
   * with `convert`, moves months found in the default partition to their own partitions online
   * (bounded batches of runs; no long lock: see guides/operations.md). Idempotent; engines call
   * it on boot and periodically. No-op on the memory journal.
   *
   * @example
   * ```ts
   * const done = await journal.admin!.ensurePartitions({ monthsAhead: 3, convert: true, wait: true });
   * ```
   */
  ensurePartitions(request?: EnsurePartitionsRequest): Promise<EnsurePartitionsResult>;
  /**
   * Drops monthly partitions that end on or before `before`, but only months no existing run
   * (open or closed) has history in: those are reported as kept, never dropped. Dry run unless
   * `execute`.
   */
  dropPartitions(request: DropEventPartitionsRequest): Promise<DropEventPartitionsResult>;
}

/** Encoded error of a failed action, for the audit entry (code and message only). */
export function auditError(error: unknown): { code: string; message: string } {
  const e = error as Partial<SerializedError> & { code?: unknown; message?: unknown };
  return {
    code: typeof e.code === "string" ? e.code : "ERROR",
    message: typeof e.message === "string" ? e.message : String(error),
  };
}
