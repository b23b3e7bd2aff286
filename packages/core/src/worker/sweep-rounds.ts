import type { Journal } from "../journal/journal.ts";
import type { EngineRuntime } from "./engine-runtime.ts";
import type { LoopRound } from "./engine-loop.ts";
import type { createRetentionSweep } from "./retention-sweep.ts";

/** The lease keeper's round: renews the cached runs' leases, every third of the lease. */
export function leaseRound(runtime: EngineRuntime): LoopRound {
  return async () => {
    await runtime.leaseKeeper.renew();
    return runtime.leaseKeeper.intervalMs;
  };
}

/**
 * The unknown-version sweep's round (EngineOptions.unknownVersionAfterMs): marks runs no engine
 * with their version took; every half of that delay, at least a poll interval apart.
 */
export function versionSweepRound(
  runtime: EngineRuntime,
  pollIntervalMs: number,
  unknownVersionAfterMs: number,
): LoopRound {
  return async () => {
    await runtime.sweepUnknownVersions();
    return Math.max(pollIntervalMs, Math.floor(unknownVersionAfterMs / 2));
  };
}

/**
 * The unserved-workflow check's round (EngineOptions.unservedWorkflowAfterMs): reports ready
 * runs of workflows no engine took; every half of that delay, at least a poll interval apart.
 */
export function unservedCheckRound(
  runtime: EngineRuntime,
  pollIntervalMs: number,
  unservedWorkflowAfterMs: number,
): LoopRound {
  return async () => {
    await runtime.sweepUnservedWorkflows();
    return Math.max(pollIntervalMs, Math.floor(unservedWorkflowAfterMs / 2));
  };
}

/** The retention sweep's round (EngineOptions.retention): one sweep every `intervalMs`. */
export function retentionRound(
  retention: ReturnType<typeof createRetentionSweep>,
  intervalMs: number,
): LoopRound {
  return async () => {
    await retention.sweep();
    return intervalMs;
  };
}

/**
 * The partition keeper's round (EngineOptions.partitions): makes sure the coming months' history
 * partitions exist, every `intervalMs`; skips at once when another engine is at it.
 */
export function partitionRound(journal: Journal, monthsAhead: number, intervalMs: number): LoopRound {
  return async () => {
    await journal.admin?.ensurePartitions({ monthsAhead });
    return intervalMs;
  };
}
