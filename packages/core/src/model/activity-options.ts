import type { Encoded } from "./payload.ts";

/**
 * Retry policy of an activity. Defaults (applied by `resolveActivityOptions` in the workflow
 * API): 3 attempts, 1 s initial interval, coefficient 2, 60 s maximum interval.
 */
export interface RetryPolicy {
  /** Total attempts including the first; 1 means no retry. */
  readonly maxAttempts: number;
  readonly initialIntervalMs: number;
  readonly backoffCoefficient: number;
  readonly maxIntervalMs: number;
  /** Error `name`s (or Continuum codes) that fail the activity at once, without retry. */
  readonly nonRetryableErrors: readonly string[];
}

/**
 * Activity options after defaults and per-call overrides were merged: what the journal stores
 * with the task and what the worker obeys. JSON-safe by construction.
 */
export interface ResolvedActivityOptions {
  readonly retry: RetryPolicy;
  /** One attempt's budget; a late result from an abandoned attempt is rejected. */
  readonly startToCloseMs: number;
  /**
   * When set, an attempt that has not heartbeated for this long is abandoned (by the journal's
   * clock: the attempt's deadline is the earlier of its heartbeat deadline and start-to-close).
   */
  readonly heartbeatTimeoutMs?: number;
  /** Cross-run idempotency: (activityName, key) runs at most once to success. */
  readonly idempotencyKey?: string;
  /**
   * The named queue whose limits the task's attempts obey (`defineActivity(..., { queue })`):
   * claimed only through `claimQueuedTasks`, never created claimed by the sticky fast path.
   */
  readonly queue?: string;
  /** Saga step recorded with the call, run by compensate()/compensateAll(). */
  readonly compensate?: { readonly activityName: string; readonly args: Encoded };
}

/** Delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed. */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  // 0 * Infinity (a zero interval with a coefficient that overflows) would be NaN, which no
  // journal can store: a zero interval stays zero.
  const raw =
    policy.initialIntervalMs === 0
      ? 0
      : policy.initialIntervalMs * policy.backoffCoefficient ** Math.max(0, attempt - 1);
  return Math.min(policy.maxIntervalMs, Math.round(raw));
}
