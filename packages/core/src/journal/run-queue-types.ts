import type { TaskClaim } from "./journal-types.ts";

/**
 * The Journal port's types for named run queues (`defineQueue`, `client.start(..., { queue })`).
 * Named `RunQueue*` to keep them apart from {@link QueueStats}, the activity task queue's gauges.
 */

/** A queue's limits as the journal stores them (see `defineQueue` for their meaning). */
export interface RunQueueConfig {
  readonly name: string;
  /** Runs of the queue executing at once (dequeued, not ended), across every engine. */
  readonly concurrency?: number;
  /** Runs dequeued by one engine that have not ended yet. */
  readonly perEngineConcurrency?: number;
  /** At most `limit` runs dequeued in any window of `periodMs`. */
  readonly rateLimit?: { readonly limit: number; readonly periodMs: number };
  /** Priority of a start that names none (lower runs first). Default 0. */
  readonly defaultPriority?: number;
  /**
   * Partitioned queue (DBOS's partitioned queues): every start names a partition key, and each
   * limit (concurrency, perEngineConcurrency, rateLimit) applies to each partition on its own.
   */
  readonly partitioned?: boolean;
}

/** The queue part of a `StartRunRequest`: the run waits in this queue before any engine runs it. */
export interface RunQueueStart {
  readonly name: string;
  /** Lower first; FIFO within a priority. Default: the queue's default priority. */
  readonly priority?: number;
  /**
   * At most one open run (queued or executing) per (queue, key): a start while one is open
   * returns it (`created: false`) and writes nothing.
   */
  readonly dedupeKey?: string;
  /**
   * With `dedupeKey`: a start while a run with the key is still queued (not yet dequeued)
   * replaces that run's input (the latest start wins) and pushes its earliest dequeue to now +
   * `debounceMs`; it returns that run with `created: false`. When no run with the key is queued
   * (none, or it is executing already) a new run is queued, dequeued no earlier than now +
   * `debounceMs`.
   */
  readonly debounceMs?: number;
  /** Partitioned queues: the partition the run is counted in (required there, refused elsewhere). */
  readonly partitionKey?: string;
}

/** Options of `Journal.dequeueRuns`. */
export interface DequeueRunsRequest {
  /** The dequeuing engine (counted by `perEngineConcurrency`). */
  readonly owner: string;
  /** The queues to dequeue from (each must have been defined with `defineQueues`). */
  readonly queues: readonly string[];
  /** At most this many runs per queue in this call (the engine's free capacity). */
  readonly limit: number;
}

/** Why a queue dequeued fewer runs than its backlog and the caller's limit allowed. */
export type RunQueueThrottle = "concurrency" | "per_engine_concurrency" | "rate_limit";

/** What one queue gave in a `dequeueRuns` call. */
export interface DequeuedRuns {
  readonly queue: string;
  /** Run ids now dequeued (ready for any engine to claim), in dequeue order. */
  readonly runIds: readonly string[];
  /** Set when a limit held runs back that were due in the backlog. */
  readonly throttled?: RunQueueThrottle;
  /** Whether runs due for dequeueing still wait in the queue after this call. */
  readonly moreDue: boolean;
}

/** A queue's limits and load, for the read model and `continuum queues list`. */
export interface RunQueueInfo extends RunQueueConfig {
  /** Runs waiting to be dequeued (debounced ones included). */
  readonly backlog: number;
  /** Runs dequeued and not ended: the slots in use. */
  readonly running: number;
  /** Runs dequeued within the rate limit's current window (0 without a rate limit). */
  readonly dequeuedInPeriod: number;
  /** Enqueue time (epoch ms) of the longest-waiting queued run; absent when the backlog is empty. */
  readonly oldestQueuedAt?: number;
  /** Partitioned queues: backlog and slots in use per partition key with open runs, by key. */
  readonly partitions?: readonly RunQueuePartitionInfo[];
  /** Activity tasks routed to the queue (`defineActivity(..., { queue })`): waiting and running attempts. */
  readonly activities: { readonly waiting: number; readonly running: number };
}

/** One partition of a partitioned queue (see {@link RunQueueInfo.partitions}). */
export interface RunQueuePartitionInfo {
  readonly key: string;
  readonly backlog: number;
  readonly running: number;
}

/** Options of `Journal.claimQueuedTasks`. */
export interface ClaimQueuedTasksRequest {
  /** The claiming engine (counted by `perEngineConcurrency`). */
  readonly owner: string;
  /** The queues whose activity tasks to claim from (each defined with `defineQueues`). */
  readonly queues: readonly string[];
  /** At most this many attempts in all (the pool's free slots). */
  readonly limit: number;
  /** Only tasks of these activities (the ones the engine has code for). */
  readonly activityNames: readonly string[];
  /** As ClaimTasksRequest.attemptLeaseMs. */
  readonly attemptLeaseMs?: number;
}

/** What one queue gave in a `claimQueuedTasks` call. */
export interface QueuedTaskClaims {
  readonly queue: string;
  readonly claims: readonly TaskClaim[];
  /** Set when a limit held back attempts that were due. */
  readonly throttled?: RunQueueThrottle;
  /** Whether due attempts still wait in the queue after this call. */
  readonly moreDue: boolean;
}
