import { InvalidActivityDefinitionError } from "../errors/workflow-errors.ts";
import type { QueueDefinition } from "../queue/define-queue.ts";
import type { RetryPolicy } from "../model/index.ts";
import { definitionNameProblem } from "./definition-name.ts";
import { activityOptionsProblem } from "./resolve-activity-options.ts";

/**
 * Options of an activity, given once with its definition. Every field is optional; see
 * {@link resolveActivityOptions} for the defaults.
 */
export interface ActivityOptions<A extends readonly unknown[] = never> {
  /** Retry policy; fields left out take the defaults (3 attempts, 1 s, x2, at most 60 s). */
  readonly retry?: Partial<RetryPolicy>;
  /** Start-to-close budget of one attempt, in ms (default 60 s). */
  readonly timeoutMs?: number;
  /**
   * Liveness budget of one attempt, in ms: an attempt whose last heartbeat
   * (`activityContext().heartbeat()`) is older than this is abandoned and retried, which is also
   * how an attempt of a crashed engine is retried after this timeout rather than after
   * `timeoutMs`. Must be shorter than `timeoutMs` when both are given here. The first heartbeat
   * is due this long after the attempt starts. Unset: no heartbeat deadline (heartbeats still
   * keep their details for the next attempt).
   *
   * @example
   * ```ts
   * defineActivity("import.rows", importRows, { timeoutMs: minutes(30), heartbeatTimeoutMs: seconds(20) });
   * ```
   */
  readonly heartbeatTimeoutMs?: number;
  /**
   * Cross-run idempotency key computed from the call's arguments: (activity name, key) runs at
   * most once to success across all runs. It runs inside the workflow, so it must be pure.
   */
  readonly idempotencyKey?: (...args: A) => string;
  /**
   * A named queue (`defineQueue`) whose limits every attempt of this activity obeys, across all
   * runs and all engines: at most `concurrency` attempts running at once, at most
   * `rateLimit.limit` started per `rateLimit.period` (a rate-limited external API). An attempt
   * the queue holds back waits: it is not a failure and uses no retry. Engines that register the
   * activity serve the queue for it; `perEngineConcurrency` counts one engine's attempts.
   *
   * @example
   * ```ts
   * const crm = defineQueue("crm-api", { concurrency: 4, rateLimit: { limit: 100, period: 60_000 } });
   * export const upsertContact = defineActivity("crm.upsert", upsert, { queue: crm });
   * ```
   */
  readonly queue?: QueueDefinition;
}

/**
 * A registered unit of side-effecting work. Workflows call it through `activity(def, ...args)`;
 * the engine runs `fn` in its activity pool, with retries and timeouts, and journals the result.
 */
export interface ActivityDefinition<A extends readonly unknown[], R> {
  readonly kind: "activity";
  /** Stable name: it is written into the journal and keys idempotency. */
  readonly name: string;
  readonly fn: (...args: A) => R | Promise<R>;
  readonly options: ActivityOptions<A>;
  /** The number of parameters of `fn`: call options are recognised only at this index. */
  readonly arity: number;
}

/** Any activity definition, whatever its argument and result types. */
export type AnyActivityDefinition = ActivityDefinition<never, unknown>;

/** Argument tuple of an activity definition. */
export type ActivityArgs<D> = D extends ActivityDefinition<infer A, unknown> ? A : never;
/** Result type of an activity definition. */
export type ActivityResult<D> = D extends ActivityDefinition<never, infer R> ? R : never;

type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never;
/** True when a parameter list has neither optional, default nor rest parameters. */
export type IsFixedParameterList<A extends readonly unknown[]> = number extends A["length"]
  ? false
  : IsUnion<A["length"]> extends false
    ? true
    : false;

/** True when a parameter list ends in a rest parameter (its length is not a known number). */
export type HasRestParameter<A extends readonly unknown[]> = number extends A["length"] ? true : false;

/** What the compiler says when an activity takes a rest parameter. */
type NoRestParametersRule =
  "activity parameters must not include a rest parameter: the call options are recognised by position, so take an array parameter instead";

/**
 * Defines an activity: ordinary code that may do anything (I/O, clocks, randomness), run by
 * the engine with retries and timeouts, its result journaled once.
 *
 * `activity()` recognises per-call options only as the argument right after the last declared
 * parameter, and `fn.length` is how it knows where that is. So rest parameters are refused at
 * compile time, trailing optional parameters (`b?: number`) may be left out at the call site,
 * and a default value (`b = 1`) should be written as `b?: number` with the default applied in
 * the body, because JavaScript's `fn.length` stops counting at the first default.
 *
 * @example
 * ```ts
 * export const charge = defineActivity("payments.charge", async (orderId: string, total: number) => {
 *   return await psp.charge(orderId, total);
 * }, { retry: { maxAttempts: 5 }, timeoutMs: 30_000, idempotencyKey: (orderId) => `charge:${orderId}` });
 * ```
 */
export function defineActivity<A extends unknown[], R>(
  name: HasRestParameter<A> extends true ? NoRestParametersRule : string,
  fn: (...args: A) => R,
  options: ActivityOptions<A> = {},
): ActivityDefinition<A, Awaited<R>> {
  const nameProblem = definitionNameProblem(name);
  if (nameProblem !== undefined) {
    throw new InvalidActivityDefinitionError(
      String(name),
      "name",
      nameProblem,
      'name activities with stable plain text, e.g. "payments.charge"',
    );
  }
  if (typeof fn !== "function") {
    throw new InvalidActivityDefinitionError(
      name,
      "fn",
      `must be a function, got ${typeof fn}`,
      "pass the activity's implementation as the second argument",
    );
  }
  if (options === null || typeof options !== "object") {
    throw new InvalidActivityDefinitionError(
      name,
      "options",
      "must be an object",
      "pass { retry, timeoutMs, heartbeatTimeoutMs, idempotencyKey, queue } or nothing",
    );
  }
  const problem = activityOptionsProblem(options, "definition");
  if (problem !== undefined) {
    throw new InvalidActivityDefinitionError(name, problem.field, problem.reason, problem.hint);
  }
  if (options.idempotencyKey !== undefined && typeof options.idempotencyKey !== "function") {
    throw new InvalidActivityDefinitionError(
      name,
      "idempotencyKey",
      "must be a function of the call's arguments",
      "use (...args) => string; a fixed key belongs in the call options",
    );
  }
  return Object.freeze({
    kind: "activity",
    name,
    fn: fn as (...args: A) => Awaited<R> | Promise<Awaited<R>>,
    options: Object.freeze({ ...options }),
    arity: fn.length,
  });
}

/** True when `value` is an activity definition made by {@link defineActivity}. */
export function isActivityDefinition(value: unknown): value is AnyActivityDefinition {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "activity" &&
    typeof (value as { name?: unknown }).name === "string" &&
    typeof (value as { fn?: unknown }).fn === "function"
  );
}
