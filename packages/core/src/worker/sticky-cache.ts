import type { Journal, RunLeaseRef } from "../journal/journal.ts";
import type { Execution } from "../replay/execution-contract.ts";
import type { TraceContext } from "../model/trace-context.ts";
import { emitEvent, type EngineEventEmitter } from "./engine-events.ts";
import { createLruCache, type LruCache } from "./lru-cache.ts";

/** A live execution and the lease under which this engine may write for it. */
export interface CachedExecution {
  readonly execution: Execution;
  readonly lease: RunLeaseRef;
  readonly workflowName: string;
  /** The run's creation time (journal clock), for the run's duration in its end event. */
  readonly createdAt?: number;
  /** The run row's version after this engine's last commit (see StepCommit.runVersion). */
  readonly runVersion?: string;
  /** A child run: its last step reports to the parent (the journal's long commit path). */
  readonly hasParent?: boolean;
  /** The run's trace context (children it starts inherit it). */
  readonly traceContext?: TraceContext;
  /** The workflow's `snapshots.every` (history snapshots), when it opted in. */
  readonly snapshotEvery?: number;
}

/**
 * Sticky executions: the runs this engine keeps alive in memory between steps, bounded by an
 * LRU. A cached run's lease stays held (the lease keeper renews it in batches), so new events
 * reach this same execution and no replay is needed. Leaving the cache by eviction disposes the
 * execution and gives the lease back, so another engine (or this one, by replay) can take over.
 */
export interface StickyCache {
  readonly capacity: number;
  readonly size: number;
  /** The entry, left in place (no LRU touch). */
  peek(runId: string): CachedExecution | undefined;
  /** Takes the entry out (a step is about to use it); no lease is released. */
  take(runId: string): CachedExecution | undefined;
  /** Puts an entry back after a committed step; may evict the least recently used one. */
  put(runId: string, entry: CachedExecution): void;
  /** Drops an entry whose lease is gone (no release: the lease is not ours any more). */
  drop(runId: string, fencingToken?: number): CachedExecution | undefined;
  /**
   * Stops holding a run without giving its lease back (an in-process attempt's outcome could
   * not be written: the lease must run out so that the call is re-issued): drops it now, or,
   * when a step has it out of the cache, disposes it at that step's `put` instead of keeping it.
   */
  abandon(runId: string): void;
  /** Leases of every cached run, for batched renewal. */
  leases(): RunLeaseRef[];
  /** Evicts everything and refuses new entries (shutdown); resolves when every lease was given back. */
  clear(): Promise<void>;
  /** Accepts entries again after `clear` (an engine started again). */
  reopen(): void;
  /** Resolves when the releases started by evictions so far have finished. */
  settled(): Promise<void>;
}

/**
 * Creates a {@link StickyCache} of `capacity` executions. `beforeRelease` runs before an
 * evicted run's lease is given back (the engine gives its in-process attempts their rows).
 */
export function createStickyCache(
  capacity: number,
  journal: Journal,
  events: EngineEventEmitter,
  beforeRelease?: (runId: string) => Promise<boolean>,
): StickyCache {
  const releases = new Set<Promise<void>>();
  /** Runs a step has out of the cache whose next `put` must dispose them (see `abandon`). */
  const abandoned = new Set<string>();
  let closed = false;
  const release = (entry: CachedExecution): void => {
    const pending = (beforeRelease?.(entry.lease.runId) ?? Promise.resolve(true))
      // Attempts that could not get their rows stay in-process: the lease is not given back
      // (it runs out, and the run's calls are re-issued).
      .then((persisted) => (persisted ? journal.releaseRun(entry.lease) : undefined))
      .catch((error: unknown) =>
        emitEvent(events, "engine.error", { where: "release", error, runId: entry.lease.runId }),
      )
      .finally(() => releases.delete(pending));
    releases.add(pending);
  };
  const lru: LruCache<string, CachedExecution> = createLruCache(capacity, (runId, entry) => {
    entry.execution.dispose();
    emitEvent(events, "cache.evicted", { runId });
    release(entry);
  });

  return {
    capacity,
    get size() {
      return lru.size;
    },
    peek: (runId) => lru.peek(runId),
    take: (runId) => lru.delete(runId),
    put(runId, entry) {
      if (abandoned.delete(runId)) {
        entry.execution.dispose();
        return;
      }
      if (closed) {
        // A step that outlived shutdown: do not keep what nobody will renew.
        entry.execution.dispose();
        release(entry);
        return;
      }
      lru.set(runId, entry);
    },
    drop(runId, fencingToken) {
      const entry = lru.peek(runId);
      if (entry === undefined || (fencingToken !== undefined && entry.lease.fencingToken !== fencingToken))
        return undefined;
      lru.delete(runId);
      entry.execution.dispose();
      return entry;
    },
    abandon(runId) {
      const entry = lru.peek(runId);
      if (entry === undefined) {
        abandoned.add(runId);
        return;
      }
      lru.delete(runId);
      entry.execution.dispose();
    },
    leases: () => [...lru.entries()].map(([, entry]) => entry.lease),
    async clear() {
      closed = true;
      lru.clear();
      await Promise.all([...releases]);
    },
    reopen() {
      closed = false;
    },
    async settled() {
      await Promise.all([...releases]);
    },
  };
}
