import type { JournalInspector } from "../../journal-inspector.ts";
import type { SqlExecutor } from "../sql-fragments.ts";
import { auditJournal } from "./audit-journal.ts";
import { healthReport } from "./health-report.ts";
import { inspectRunDetail } from "./inspect-run-detail.ts";
import { inspectHistoryPage, inspectInbox, inspectTasks, inspectTimers } from "./inspect-run-items.ts";
import { countRuns, inspectRuns } from "./inspect-runs.ts";
import { inspectWorkflows } from "./inspect-workflows.ts";
import { createStatisticsKeeper } from "./keep-statistics.ts";

/**
 * The read model on PostgreSQL or PGlite: read-only statements, one file per query under
 * journal/sql/inspect, each with its locking strategy (none: MVCC snapshots). `guard` is the
 * journal's connection guard, so a lost connection surfaces as DatabaseUnavailableError.
 * `keepStatistics` (embedded PGlite, which has no autovacuum) analyzes stale tables before reads.
 */
export function createSqlInspector(
  db: SqlExecutor,
  guard: <T>(call: () => Promise<T>) => Promise<T>,
  options: { readonly keepStatistics?: boolean } = {},
): JournalInspector {
  // Embedded PGlite: keep the planner's statistics fresh (see keep-statistics.ts).
  const fresh = options.keepStatistics === true ? createStatisticsKeeper(db) : async () => {};
  return {
    listRuns: (request) => guard(async () => (await fresh(), inspectRuns(db, request))),
    countRuns: (query) => guard(async () => (await fresh(), countRuns(db, query))),
    getRunDetail: (runId) => guard(() => inspectRunDetail(db, runId)),
    readHistoryPage: (runId, request) => guard(() => inspectHistoryPage(db, runId, request)),
    listTasks: (runId) => guard(() => inspectTasks(db, runId)),
    listTimers: (runId) => guard(() => inspectTimers(db, runId)),
    listInbox: (runId) => guard(() => inspectInbox(db, runId)),
    listWorkflows: (query) => guard(() => inspectWorkflows(db, query?.namespace)),
    health: (request) => guard(async () => (await fresh(), healthReport(db, request))),
    audit: (request) => guard(() => auditJournal(db, request)),
  };
}
