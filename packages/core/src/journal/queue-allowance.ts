import type { RunQueueConfig, RunQueueThrottle } from "./run-queue-types.ts";

/** A queue's limits as the allowance reads them (absent: no such limit). */
export interface QueueAllowanceLimits {
  readonly concurrency?: number | undefined;
  readonly perEngineConcurrency?: number | undefined;
  /** At most this many starts within the rate window. */
  readonly rateLimit?: number | undefined;
}

/** What the queue is using now: executing overall, executing on this engine, started in the window. */
export interface QueueAllowanceUse {
  readonly active: number;
  readonly mine: number;
  readonly recent: number;
}

/**
 * How many runs (or activity attempts) one round may take from a queue: the least of what the
 * caller wants and what each limit leaves, and the limit that bound it (undefined when the
 * caller's own `want` did). One rule for both journals and both kinds of queued work, so the
 * memory journal and the SQL one throttle alike. May be zero or negative (nothing to take).
 *
 * @example
 * ```ts
 * queueAllowance(10, { concurrency: 3 }, { active: 1, mine: 0, recent: 0 }); // { allowed: 2, limitedBy: "concurrency" }
 * ```
 */
export function queueAllowance(
  want: number,
  limits: QueueAllowanceLimits,
  use: QueueAllowanceUse,
): { readonly allowed: number; readonly limitedBy: RunQueueThrottle | undefined } {
  let allowed = want;
  let limitedBy: RunQueueThrottle | undefined;
  const bound = (left: number, by: RunQueueThrottle): void => {
    if (left < allowed) [allowed, limitedBy] = [left, by];
  };
  if (limits.concurrency !== undefined) bound(limits.concurrency - use.active, "concurrency");
  if (limits.perEngineConcurrency !== undefined)
    bound(limits.perEngineConcurrency - use.mine, "per_engine_concurrency");
  if (limits.rateLimit !== undefined) bound(limits.rateLimit - use.recent, "rate_limit");
  return { allowed, limitedBy };
}

/** The limits of a queue as defined (`defineQueues`), for {@link queueAllowance}. */
export function allowanceLimits(config: RunQueueConfig): QueueAllowanceLimits {
  return {
    concurrency: config.concurrency,
    perEngineConcurrency: config.perEngineConcurrency,
    rateLimit: config.rateLimit?.limit,
  };
}
