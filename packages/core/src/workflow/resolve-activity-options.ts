import { InvalidEffectArgumentError } from "../errors/workflow-errors.ts";
import { IdentifierKind, Limits, describeValue, identifierProblem } from "../validation/index.ts";
import type { Encoded, ResolvedActivityOptions, RetryPolicy } from "../model/index.ts";
import type { QueueDefinition } from "../queue/define-queue.ts";
import type { ActivityOptions } from "./define-activity.ts";

/** Retry policy used for every field an activity and its call leave out. */
export const defaultRetryPolicy: RetryPolicy = Object.freeze({
  maxAttempts: 3,
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maxIntervalMs: 60_000,
  nonRetryableErrors: Object.freeze([]) as readonly string[],
});

/** Start-to-close budget of one attempt when neither the activity nor the call sets `timeoutMs`. */
export const defaultActivityTimeoutMs = 60_000;

/** Per-call overrides, after `activity()` encoded the compensation's arguments. */
export interface ActivityOverrides {
  readonly retry?: Partial<RetryPolicy>;
  readonly timeoutMs?: number;
  readonly heartbeatTimeoutMs?: number;
  /** A fixed key for this call; wins over the definition's `idempotencyKey` function. */
  readonly idempotencyKey?: string;
  readonly compensate?: { readonly activityName: string; readonly args: Encoded };
  /** This call's queue; wins over the definition's `queue`. */
  readonly queue?: QueueDefinition;
}

/** A field of activity options that cannot be used, and how to fix it. */
export interface OptionProblem {
  readonly field: string;
  readonly reason: string;
  readonly hint: string;
}

const definitionKeys = new Set(["retry", "timeoutMs", "heartbeatTimeoutMs", "idempotencyKey", "queue"]);
const callKeys = new Set([
  "retry",
  "timeoutMs",
  "heartbeatTimeoutMs",
  "idempotencyKey",
  "compensate",
  "queue",
]);
const retryKeys = new Set([
  "maxAttempts",
  "initialIntervalMs",
  "backoffCoefficient",
  "maxIntervalMs",
  "nonRetryableErrors",
]);

/**
 * Checks activity options (given with the definition, or per call) without applying them:
 * the first problem found, or `undefined`.
 */
export function activityOptionsProblem(
  options: object,
  where: "definition" | "call",
): OptionProblem | undefined {
  const known = where === "definition" ? definitionKeys : callKeys;
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      return { field: key, reason: "is not an activity option", hint: `use only ${[...known].join(", ")}` };
    }
  }
  const o = options as Record<string, unknown>;
  if (o.retry !== undefined) {
    if (o.retry === null || typeof o.retry !== "object")
      return {
        field: "retry",
        reason: "must be an object",
        hint: "pass { maxAttempts, initialIntervalMs, backoffCoefficient, maxIntervalMs, nonRetryableErrors }",
      };
    const retryProblem = retryPolicyProblem(o.retry as Record<string, unknown>);
    if (retryProblem !== undefined) return retryProblem;
  }
  for (const field of ["timeoutMs", "heartbeatTimeoutMs"] as const) {
    const value = o[field];
    if (value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value > 0)) {
      return {
        field,
        reason: `must be a positive number of milliseconds, got ${describeValue(value)}`,
        hint: "use seconds(30) or minutes(5) to write durations",
      };
    }
  }
  if (
    typeof o.timeoutMs === "number" &&
    typeof o.heartbeatTimeoutMs === "number" &&
    o.heartbeatTimeoutMs >= o.timeoutMs
  ) {
    return heartbeatNotShorter(o.heartbeatTimeoutMs, o.timeoutMs);
  }
  if (
    o.queue !== undefined &&
    (typeof o.queue !== "object" ||
      o.queue === null ||
      (o.queue as { kind?: unknown }).kind !== "queue" ||
      typeof (o.queue as { name?: unknown }).name !== "string")
  )
    return {
      field: "queue",
      reason: `must be a queue made by defineQueue, got ${describeValue(o.queue)}`,
      hint: 'pass the value defineQueue("name", { concurrency, rateLimit }) returned',
    };
  const keyProblem =
    where === "call" && o.idempotencyKey !== undefined
      ? identifierProblem(IdentifierKind.id, o.idempotencyKey)
      : undefined;
  if (keyProblem !== undefined) {
    return {
      field: "idempotencyKey",
      reason: keyProblem,
      hint: `build the key (at most ${Limits.idBytes} bytes) from values that identify the work, e.g. \`charge:\${orderId}\``,
    };
  }
  return undefined;
}

/**
 * A heartbeat timeout only means something below start-to-close: it is how a stalled or
 * crashed worker's attempt is retried sooner than the start-to-close timeout. Checked where
 * one options object gives both; a definition's heartbeat timeout under a call's shorter
 * timeoutMs is allowed (and has no effect), so a call may tighten the timeout on its own.
 */
function heartbeatNotShorter(heartbeatTimeoutMs: number, startToCloseMs: number): OptionProblem {
  return {
    field: "heartbeatTimeoutMs",
    reason: `must be shorter than the start-to-close timeout (timeoutMs: ${startToCloseMs} ms), got ${heartbeatTimeoutMs} ms`,
    hint: "set heartbeatTimeoutMs to a few times the interval at which the activity heartbeats, or raise timeoutMs",
  };
}

function retryPolicyProblem(retry: Record<string, unknown>): OptionProblem | undefined {
  for (const key of Object.keys(retry)) {
    if (!retryKeys.has(key))
      return {
        field: `retry.${key}`,
        reason: "is not a retry option",
        hint: `use only ${[...retryKeys].join(", ")}`,
      };
  }
  const { maxAttempts, initialIntervalMs, backoffCoefficient, maxIntervalMs, nonRetryableErrors } = retry;
  if (
    maxAttempts !== undefined &&
    !(
      Number.isSafeInteger(maxAttempts) &&
      (maxAttempts as number) >= 1 &&
      (maxAttempts as number) <= Limits.maxAttempts
    )
  ) {
    return {
      field: "retry.maxAttempts",
      reason: `must be an integer from 1 to ${Limits.maxAttempts}, got ${describeValue(maxAttempts)}`,
      hint: "1 means no retry; the count includes the first attempt",
    };
  }
  for (const [field, value] of [
    ["initialIntervalMs", initialIntervalMs],
    ["maxIntervalMs", maxIntervalMs],
  ] as const) {
    if (value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value >= 0)) {
      return {
        field: `retry.${field}`,
        reason: `must be a number of milliseconds >= 0, got ${describeValue(value)}`,
        hint: "use seconds(1) or minutes(1) to write durations",
      };
    }
  }
  if (
    backoffCoefficient !== undefined &&
    !(
      typeof backoffCoefficient === "number" &&
      Number.isFinite(backoffCoefficient) &&
      backoffCoefficient >= 1
    )
  ) {
    return {
      field: "retry.backoffCoefficient",
      reason: `must be a number >= 1, got ${describeValue(backoffCoefficient)}`,
      hint: "1 retries at a fixed interval, 2 doubles it each time",
    };
  }
  if (
    nonRetryableErrors !== undefined &&
    !(Array.isArray(nonRetryableErrors) && nonRetryableErrors.every((n) => typeof n === "string"))
  ) {
    return {
      field: "retry.nonRetryableErrors",
      reason: "must be an array of error names or codes",
      hint: 'e.g. ["ValidationError", "CTM_UNSERIALIZABLE"]',
    };
  }
  return undefined;
}

/**
 * Merges an activity's options with one call's overrides into what the journal stores with the
 * task. Per field, the call wins over the definition, which wins over the defaults:
 * retry 3 attempts / 1 s initial interval / coefficient 2 / 60 s maximum interval / no
 * non-retryable errors (merged field by field), start-to-close 60 s, no heartbeat timeout
 * (one that a call's shorter timeoutMs leaves at or above start-to-close has no effect: the
 * attempt's deadline is the earlier of the two),
 * no idempotency key, no queue. The key is the call's string, else the definition's function
 * applied to `args`; the queue is the call's, else the definition's.
 *
 * @example
 * ```ts
 * resolveActivityOptions({ retry: { maxAttempts: 5 } }, { timeoutMs: 5_000 });
 * // { retry: { maxAttempts: 5, initialIntervalMs: 1000, backoffCoefficient: 2, maxIntervalMs: 60000,
 * //   nonRetryableErrors: [] }, startToCloseMs: 5000 }
 * ```
 */
export function resolveActivityOptions<A extends readonly unknown[]>(
  definition: ActivityOptions<A> | undefined,
  call?: ActivityOverrides,
  args?: A,
): ResolvedActivityOptions {
  const def = definition ?? {};
  if (call !== undefined) {
    const problem = activityOptionsProblem(call, "call");
    if (problem !== undefined)
      throw new InvalidEffectArgumentError(
        "activity",
        `options.${problem.field}`,
        problem.reason,
        problem.hint,
      );
  }
  const retry: RetryPolicy = {
    ...defaultRetryPolicy,
    ...withoutUndefined(def.retry),
    ...withoutUndefined(call?.retry),
  };
  const nonRetryableErrors = [...retry.nonRetryableErrors];
  const heartbeatTimeoutMs = call?.heartbeatTimeoutMs ?? def.heartbeatTimeoutMs;
  let idempotencyKey = call?.idempotencyKey;
  if (idempotencyKey === undefined && def.idempotencyKey !== undefined) {
    idempotencyKey = def.idempotencyKey(...((args ?? []) as unknown as A));
    const problem = identifierProblem(IdentifierKind.id, idempotencyKey);
    if (problem !== undefined) {
      throw new InvalidEffectArgumentError(
        "activity",
        "idempotencyKey(...args)",
        `must return a non-empty string of at most ${Limits.idBytes} bytes without NUL characters; it ${problem}, got ${describeValue(idempotencyKey)}`,
        "make the activity's idempotencyKey function return a string such as `charge:${orderId}`",
      );
    }
  }
  const startToCloseMs = call?.timeoutMs ?? def.timeoutMs ?? defaultActivityTimeoutMs;
  const queue = call?.queue ?? def.queue;
  return {
    retry: { ...retry, nonRetryableErrors },
    startToCloseMs,
    ...(heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs }),
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    ...(queue === undefined ? {} : { queue: queue.name }),
    ...(call?.compensate === undefined ? {} : { compensate: call.compensate }),
  };
}

function withoutUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
