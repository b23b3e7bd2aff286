import { JournalClosedError } from "../../errors/database-errors.ts";
import { TransactionNotSupportedError } from "../../errors/journal-errors.ts";
import type { FirstStepStart, Journal, StartRunResult, StepCommitResult } from "../journal.ts";
import type { Notifier } from "../notifier.ts";
import { claimRuns } from "./claim-runs.ts";
import { claimTasks } from "./claim-tasks.ts";
import { claimQueuedTasks } from "./claim-queued-tasks.ts";
import { commitStep } from "./commit-step.ts";
import { commitStepsInBatch, fitsBatch, type BatchableStep } from "./commit-steps-in-batch.ts";
import { createGroupCommit, type GroupCommit, type GroupCommitOptions } from "./group-commit.ts";
import { batchableStart, startRunsInBatch } from "./start-runs-in-batch.ts";
import { guardConnection, isStatementError } from "./database-unavailable.ts";
import { retryConflicts } from "./retry-conflicts.ts";
import { fireDueTimers } from "./fire-due-timers.ts";
import { finishTask } from "./finish-task.ts";
import { persistAttempts } from "./persist-attempts.ts";
import { reissueAttempts } from "./reissue-attempts.ts";
import { heartbeatTask, heartbeatTasks } from "./heartbeat-task.ts";
import { createSqlInspector } from "./inspect/sql-inspector.ts";
import { createSqlAdmin } from "./admin/sql-admin.ts";
import { markUnknownVersions } from "./mark-unknown-versions.ts";
import { listUnservedWorkflows } from "./list-unserved-workflows.ts";
import { releaseRun, renewRunLeases } from "./run-leases.ts";
import { getRun, getRunByWorkflowId, journalNow, listRuns, nextDueAt, readHistory } from "./run-queries.ts";
import { readInboxItem } from "./read-inbox-item.ts";
import { RecentSignals } from "./recent-signals.ts";
import { requestCancel, sendSignal } from "./send-signal.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import { startRun } from "./start-run.ts";
import { queueStats } from "./queue-stats.ts";
import { dequeueRuns } from "./dequeue-runs.ts";
import { defineQueues, listQueues } from "./run-queues.ts";
import { deleteClosedRuns } from "./delete-closed-runs.ts";
import { fireDueSchedules, fireSchedule } from "./fire-due-schedules.ts";
import {
  deleteSchedule,
  getSchedule,
  listSchedules,
  setSchedulePaused,
  upsertSchedule,
} from "./schedules.ts";

/** Options of {@link createSqlJournal}. */
export interface SqlJournalOptions {
  /** Wake-up hints; see pg-notifier.ts. */
  readonly notifier: Notifier;
  /** Runs after the notifier closed, e.g. to destroy a Kysely instance the journal owns. */
  readonly onClose?: () => Promise<void>;
  /** Where the database is, as shown in DatabaseUnavailableError (never with a password). */
  readonly target?: string;
  /**
   * Analyze stale tables before read-model queries: for PGlite, which has no autovacuum (see
   * keep-statistics.ts). `openJournal` sets it for embedded PGlite and a given `pglite`.
   */
  readonly keepStatistics?: boolean;
  /**
   * How long `close()` waits for calls in flight before closing anyway (default 5,000 ms): a
   * call that never settles (its database closed under it, e.g. a caller's PGlite closed before
   * the journal) must not hang the app's shutdown. `Infinity` waits for every call, as the
   * embedded journal does before it closes its own PGlite.
   */
  readonly closeWaitMs?: number;
  /**
   * Group commit of steps (see group-commit.ts): steps of many runs that arrive while
   * others are being written go out together as one statement. On by default; `false` commits
   * every step on its own.
   */
  readonly groupCommit?: GroupCommitOptions | false;
}

const defaultCloseWaitMs = 5_000;

/** Resolves when every call has settled, or after `ms`, whichever comes first. */
async function settledOrAfter(calls: readonly Promise<unknown>[], ms: number): Promise<void> {
  if (calls.length === 0) return;
  if (ms === Number.POSITIVE_INFINITY) {
    await Promise.allSettled(calls);
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.allSettled(calls),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/**
 * The Journal port on PostgreSQL or PGlite through Kysely: the same SQL on both. Each method
 * is one transaction (or one statement); each hot query lives in its own file with its locking
 * strategy; a lost connection surfaces as DatabaseUnavailableError. The schema must be migrated (see migrator.ts); most apps call `openJournal()`
 * instead, which connects, migrates when asked and builds the notifier.
 *
 * @example
 * ```ts
 * const journal = createSqlJournal(db, { notifier: createPgliteNotifier(pglite) });
 * const { run } = await journal.startRun({ namespace: "default", workflowName: "order", versionHash: "v1", input: null });
 * ```
 */
export function createSqlJournal(db: SqlExecutor, options: SqlJournalOptions): Journal {
  let closing: Promise<void> | undefined;
  const target = options.target ?? "(journal database)";
  // Calls in flight, so close() can let them finish before the pool (or PGlite) goes away: an
  // engine stopped without grace may still be giving a lease back when its owner closes us.
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    if (closing !== undefined) return Promise.reject(new JournalClosedError(target, operation));
    const pending = call();
    inFlight.add(pending);
    const forget = (): void => void inFlight.delete(pending);
    pending.then(forget, forget);
    return pending;
  };
  // A journal bound to the caller's transaction must not retry: that transaction is aborted.
  const g = <T>(operation: string, call: () => Promise<T>): Promise<T> =>
    track(operation, () => guardConnection(target, db.isTransaction ? call : () => retryConflicts(call)));
  // Only an autocommit journal's sends are committed when sendSignal returns.
  const recent = db.isTransaction ? new RecentSignals(0) : new RecentSignals();
  // Group commit (group-commit.ts): one for steps, one for eager starts with their first steps.
  const grouped = <W, R>(
    commitAlone: (write: W) => Promise<R>,
    commitBatch: (writes: readonly W[]) => Promise<(R | undefined)[]>,
  ): GroupCommit<W, R> | undefined =>
    options.groupCommit === false || db.isTransaction
      ? undefined
      : createGroupCommit(
          { commitAlone, commitBatch, failedBeforeCommit: isStatementError },
          options.groupCommit,
        );
  const steps = grouped<BatchableStep, StepCommitResult>(
    (step) => commitStep(db, step),
    (batch) => commitStepsInBatch(db, batch),
  );
  const starts = grouped<FirstStepStart, StartRunResult>(
    (start) => startRun(db, start),
    (batch) => startRunsInBatch(db, batch),
  );
  const journal: Journal = {
    notifier: options.notifier,
    now: () => g("now", () => journalNow(db)),
    startRun: (request) =>
      g("startRun", () => {
        const start = starts === undefined ? undefined : batchableStart(db, request);
        return starts !== undefined && start !== undefined ? starts.commit(start) : startRun(db, request);
      }),
    getRun: (runId) => g("getRun", () => getRun(db, runId)),
    getRunByWorkflowId: (namespace, workflowId) =>
      g("getRunByWorkflowId", () => getRunByWorkflowId(db, namespace, workflowId)),
    listRuns: (filter) => g("listRuns", () => listRuns(db, filter)),
    readHistory: (runId, afterSeq) => g("readHistory", () => readHistory(db, runId, afterSeq)),
    claimRuns: (request) => g("claimRuns", () => claimRuns(db, request)),
    commitStep: (commit) =>
      g("commitStep", () =>
        steps !== undefined && fitsBatch(db, commit) ? steps.commit(commit) : commitStep(db, commit),
      ),
    markUnknownVersions: (request) => g("markUnknownVersions", () => markUnknownVersions(db, request)),
    listUnservedWorkflows: (request) => g("listUnservedWorkflows", () => listUnservedWorkflows(db, request)),
    renewRunLeases: (owner, leases, leaseMs) =>
      g("renewRunLeases", () => renewRunLeases(db, owner, leases, leaseMs)),
    releaseRun: (lease, options) => g("releaseRun", () => releaseRun(db, lease, options)),
    defineQueues: (queues) => g("defineQueues", () => defineQueues(db, queues)),
    dequeueRuns: (request) => g("dequeueRuns", () => dequeueRuns(db, request)),
    listQueues: () => g("listQueues", () => listQueues(db)),
    claimTasks: (request) => g("claimTasks", () => claimTasks(db, request)),
    claimQueuedTasks: (request) => g("claimQueuedTasks", () => claimQueuedTasks(db, request)),
    heartbeatTask: (claim, details) => g("heartbeatTask", () => heartbeatTask(db, claim, details)),
    heartbeatTasks: (heartbeats, options) =>
      g("heartbeatTasks", () => heartbeatTasks(db, heartbeats, options)),
    finishTask: (claim, outcome) => g("finishTask", () => finishTask(db, claim, outcome)),
    persistAttempts: (request) => g("persistAttempts", () => persistAttempts(db, request)),
    reissueAttempts: (request) => g("reissueAttempts", () => reissueAttempts(db, request)),
    fireDueTimers: (limit) => g("fireDueTimers", () => fireDueTimers(db, limit)),
    sendSignal: (request) =>
      g("sendSignal", async () => {
        const { accepted } = await recent.track(request.runId, () => sendSignal(db, request));
        return { accepted };
      }),
    readInboxItem: (runId, inboxId) =>
      g(
        "readInboxItem",
        async () => (await recent.take(runId, inboxId)) ?? (await readInboxItem(db, runId, inboxId)),
      ),
    requestCancel: (runId, reason, options) =>
      g("requestCancel", () => requestCancel(db, runId, reason, options)),
    upsertSchedule: (request) => g("upsertSchedule", () => upsertSchedule(db, request)),
    getSchedule: (namespace, name) => g("getSchedule", () => getSchedule(db, namespace, name)),
    listSchedules: (namespace) => g("listSchedules", () => listSchedules(db, namespace)),
    setSchedulePaused: (namespace, name, paused) =>
      g("setSchedulePaused", () => setSchedulePaused(db, namespace, name, paused)),
    deleteSchedule: (namespace, name) => g("deleteSchedule", () => deleteSchedule(db, namespace, name)),
    fireDueSchedules: (request) => g("fireDueSchedules", () => fireDueSchedules(db, request)),
    fireSchedule: (request) => g("fireSchedule", () => fireSchedule(db, request)),
    nextDueAt: () => g("nextDueAt", () => nextDueAt(db)),
    queueStats: () => g("queueStats", () => queueStats(db)),
    deleteClosedRuns: (request) => g("deleteClosedRuns", () => deleteClosedRuns(db, request)),
    inspector: createSqlInspector(db, (call) => track("inspector", () => guardConnection(target, call)), {
      keepStatistics: options.keepStatistics === true,
    }),
    bindTransaction(transaction) {
      const candidate = transaction as Partial<SqlExecutor>;
      if (candidate.isTransaction !== true || typeof candidate.selectFrom !== "function") {
        throw new TransactionNotSupportedError(
          "the value is not a Kysely transaction (use the `trx` of db.transaction().execute(async (trx) => ...))",
        );
      }
      // Same notifier (hints are sent by pg_notify inside the caller's transaction, so only on
      // commit); closing the bound journal must not close the shared notifier.
      const bound = createSqlJournal(transaction as SqlExecutor, { notifier: options.notifier, target });
      return { ...bound, close: async () => {} };
    },
    close() {
      closing ??= (async () => {
        await settledOrAfter([...inFlight], options.closeWaitMs ?? defaultCloseWaitMs);
        await options.notifier.close();
        await options.onClose?.();
      })();
      return closing;
    },
  };
  const inspector = journal.inspector as NonNullable<Journal["inspector"]>;
  const bind = (tx: SqlExecutor) => createSqlJournal(tx, { notifier: options.notifier, target });
  return Object.assign(journal, { admin: createSqlAdmin(db, journal, inspector, bind, g) });
}
