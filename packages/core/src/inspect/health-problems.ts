import type { HealthRecord } from "../journal/journal.ts";
import type { HealthProblem } from "./inspector.ts";

/**
 * The problems of a health report: findings an operator must look at. Idle runs (normal for a
 * run waiting for a signal without a timeout) and dead letters (a workflow may handle an
 * activity's failure) are information, not problems.
 */
export function healthProblems(
  report: HealthRecord,
  requiredSchemaVersion: number | undefined,
): HealthProblem[] {
  const stale = `${Math.round(report.staleAfterMs / 1000)} s`;
  const problems: HealthProblem[] = [];
  const add = (kind: HealthProblem["kind"], count: number, message: string, fix: string) => {
    if (count > 0) problems.push({ kind, count, message, fix });
  };
  add(
    "unclaimed_ready_runs",
    report.unclaimedReadyRuns.count,
    `${report.unclaimedReadyRuns.count} run(s) ready for over ${stale} with no engine claiming them`,
    "start an engine that registers these workflows (and versions), or check that running engines reach this database",
  );
  add(
    "overdue_timers",
    report.overdueTimers.count,
    `${report.overdueTimers.count} timer(s) overdue by more than ${stale}`,
    "no engine is firing timers: start an engine, or check its logs for database errors; `continuum repair overdue-timers` fires them now (dry run first)",
  );
  add(
    "expired_run_leases",
    report.expiredRunLeases.count,
    `${report.expiredRunLeases.count} open run(s) whose lease expired over ${stale} ago`,
    "the engine holding them stopped; another engine takes them over when they become ready; `continuum repair expired-leases` releases them now (dry run first)",
  );
  add(
    "expired_task_leases",
    report.expiredTaskLeases.count,
    `${report.expiredTaskLeases.count} activity attempt(s) past their deadline by over ${stale}`,
    "no engine runs these activities: start a worker that registers them; attempts are retried once claimed",
  );
  const stuck = report.unknownVersions.reduce((sum, version) => sum + version.counts.total, 0);
  add(
    "unknown_versions",
    stuck,
    `${stuck} run(s) stuck on workflow versions no engine has (${report.unknownVersions
      .map((v) => `${v.workflowName}@${v.versionHash}`)
      .join(", ")})`,
    "deploy an engine with those versions' code (see guides/versioning.md), or cancel the runs",
  );
  if (report.schemaVersion !== undefined && requiredSchemaVersion !== undefined)
    add(
      "schema_behind",
      report.schemaVersion < requiredSchemaVersion ? 1 : 0,
      `the journal's schema is at version ${report.schemaVersion}, this build needs ${requiredSchemaVersion}`,
      "run `continuum migrate`",
    );
  return problems;
}
