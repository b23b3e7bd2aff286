/**
 * The lifecycle of a run. `running` covers every non-terminal state: a run that waits for an
 * activity, a timer or a signal is still running; whether it has work to do is the journal's
 * business (it has undelivered inbox items), not a status.
 */
export const RunStatus = {
  running: "running",
  completed: "completed",
  failed: "failed",
  cancelled: "cancelled",
  /** Finished by continue-as-new; `continuedTo` names the successor. */
  continued: "continued",
  /** No registered code has this run's version hash: kept untouched until such code appears. */
  stuckUnknownVersion: "stuck_unknown_version",
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

/** Statuses after which a run never changes again. */
export const terminalRunStatuses: ReadonlySet<RunStatus> = new Set<RunStatus>([
  RunStatus.completed,
  RunStatus.failed,
  RunStatus.cancelled,
  RunStatus.continued,
]);

/** True when a run in this status will never run again. */
export function isTerminal(status: RunStatus): boolean {
  return terminalRunStatuses.has(status);
}
