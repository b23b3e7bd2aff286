import type { ChaosReport } from "./run-chaos.ts";

/** The scorecard a chaos run prints: what was done to the system, and what the checker found. */
export function formatScorecard(report: ChaosReport): string {
  const { options, faults, check, signals } = report;
  const clean = check.recoveries.filter((r) => !r.overlapsRestart).map((r) => r.ms);
  const duringRestart = check.recoveries.filter((r) => r.overlapsRestart).map((r) => r.ms);
  const max = (values: number[]): string =>
    values.length === 0 ? "n/a" : `${Math.round(Math.max(...values))} ms`;
  const median = (values: number[]): string => {
    if (values.length === 0) return "n/a";
    const sorted = [...values].sort((a, b) => a - b);
    return `${Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0)} ms`;
  };
  return [
    `chaos scorecard (seed ${options.seed}; replay with CHAOS_SEED=${options.seed} CHAOS_SECONDS=${options.seconds} CHAOS_RUNS=${options.runs} CHAOS_CHAINS=${options.chains})`,
    `  workload    ${options.runs} orders + ${options.chains} continue-as-new chains -> ${check.runs} runs (children and chain links included), ${check.events} journal events`,
    `  engines     ${options.engines} at a time, ${report.enginesStarted} started, lease ${options.leaseMs} ms, host clocks off by up to +/-${options.clockSkewMs} ms`,
    `  faults      ${faults.kills.length} SIGKILLs (${faults.killsSkipped} skipped: fewer than 2 engines up), ${faults.stops} SIGSTOP/SIGCONTs, ${faults.restarts.length} server restarts, ${faults.listenKills} LISTEN kills (${faults.listenConnectionsKilled} connections) in ${options.seconds} s`,
    `  signals     ${signals.sent} sent (${signals.withoutId} without delivery id), ${signals.duplicatesSent} duplicates sent on purpose, ${signals.duplicatesRefused} refused; ${check.signalsTaken} reached journals, ${check.signalsCarried} carried over by handovers`,
    `  effects     ${check.effectsRecorded} recorded for ${check.effectsExpected} idempotency keys; ${check.activityAttempts} attempts, ${check.duplicateAttempts} duplicate attempts absorbed by the key`,
    `  timers      ${check.timersChecked} checked, earliest fired ${Number.isFinite(check.minTimerSlackMs) ? Math.round(check.minTimerSlackMs) : "n/a"} ms after its due time (database clock); now() after a sleep at least ${Number.isFinite(check.minWokeSlackMs) ? Math.round(check.minWokeSlackMs) : "n/a"} ms past its due time in ${check.wokeChecked} orders; ${check.timesChecked} now() reads, largest step back ${check.maxTimeBackMs} ms`,
    `  fencing     ${report.leasesLost} leases found lost by frozen or slow engines, their writes refused; ${report.engineErrors} engine errors reported (the restarts, the LISTEN kills), none fatal`,
    `  recovery    SIGKILL to the first takeover of one of its runs by another engine: max ${max(clean)}, median ${median(clean)} over ${clean.length} kills; ` +
      `${duringRestart.length} overlapping a restart (max ${max(duringRestart)}), ${check.killsWithoutReadyRun} where none of its runs had anything to resume before its leases ran out, ${check.killsWithoutSurvivor} where no other engine stayed up`,
    `  violations  ${check.violations.length === 0 ? "none" : check.violations.length}`,
    ...check.violations.slice(0, 30).map((line) => `    - ${line}`),
    `  duration    ${(report.durationMs / 1000).toFixed(1)} s`,
  ].join("\n");
}
