import type { Journal } from "../journal/journal.ts";
import { emitEvent, type EngineEventEmitter } from "./engine-events.ts";
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
 * partitions exist, every `intervalMs`; skips at once when another engine is at it. With
 * `dropUnused`, also drops past months' partitions that hold no row any more (retention deleted
 * their runs): the journal clamps the cutoff to the database clock's month, so `lastDay` only
 * says "every past month".
 */
export function partitionRound(
  journal: Journal,
  settings: { readonly monthsAhead: number; readonly intervalMs: number; readonly dropUnused: boolean },
  events: EngineEventEmitter,
): LoopRound {
  return async () => {
    const admin = journal.admin;
    if (admin === undefined) return settings.intervalMs;
    await admin.ensurePartitions({ monthsAhead: settings.monthsAhead });
    if (settings.dropUnused) {
      const startedAt = performance.now();
      const { dropped } = await admin.dropPartitions({ before: lastDay, execute: true, emptyOnly: true });
      if (dropped.length > 0)
        emitEvent(events, "partitions.dropped", {
          partitions: dropped.map((p) => p.name),
          bytes: dropped.reduce((sum, p) => sum + p.bytes, 0),
          durationMs: performance.now() - startedAt,
        });
    }
    return settings.intervalMs;
  };
}

/** A cutoff after every month (see partitionRound). */
const lastDay = "9999-12-31";
