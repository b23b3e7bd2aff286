import type { Journal, RunLeaseRef } from "../journal/journal.ts";
import { emitEvent, type EngineEventEmitter } from "./engine-events.ts";
import type { StickyCache } from "./sticky-cache.ts";

/**
 * Keeps the leases of cached (sticky) runs and of steps in flight alive (a step may outlive
 * its lease: its commit must not be fenced out for being slow): one `renewRunLeases` call for all of them,
 * every third of the lease duration, so a run survives two missed renewals before another
 * engine may take it. A run whose lease the journal reports lost is dropped from the cache at
 * once: its execution may be stale, and this engine must write nothing more for it.
 */
export interface LeaseKeeper {
  /** One renewal round; returns the ids of runs found lost. */
  renew(): Promise<string[]>;
  readonly intervalMs: number;
}

/** Creates a {@link LeaseKeeper}. */
export function createLeaseKeeper(options: {
  journal: Journal;
  owner: string;
  leaseMs: number;
  cache: StickyCache;
  events: EngineEventEmitter;
  /** Leases of the steps in progress (their executions are out of the cache meanwhile). */
  inFlight?: () => RunLeaseRef[];
}): LeaseKeeper {
  const { journal, owner, leaseMs, cache, events } = options;
  return {
    intervalMs: Math.max(1, Math.floor(leaseMs / 3)),
    async renew() {
      // A run is either cached or in flight (a step takes it out of the cache), never both.
      const leases = [...cache.leases(), ...(options.inFlight?.() ?? [])];
      if (leases.length === 0) return [];
      const startedAt = performance.now();
      const lost = await journal.renewRunLeases(owner, leases, leaseMs);
      const tokens = new Map(leases.map((lease) => [lease.runId, lease.fencingToken]));
      for (const runId of lost) {
        const fencingToken = tokens.get(runId) ?? -1;
        // Only drop the entry renewed here: a step may have re-claimed the run meanwhile.
        if (cache.drop(runId, fencingToken) !== undefined)
          emitEvent(events, "lease.lost", { runId, fencingToken, during: "renew" });
      }
      emitEvent(events, "lease.renewed", {
        owner,
        runs: leases.length,
        lost: lost.length,
        durationMs: performance.now() - startedAt,
      });
      return lost;
    },
  };
}
