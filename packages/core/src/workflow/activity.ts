import { InvalidEffectArgumentError } from "../errors/workflow-errors.ts";
import { encode } from "../codec/index.ts";
import type { RetryPolicy } from "../model/index.ts";
import type { QueueDefinition } from "../queue/define-queue.ts";
import { isActivityDefinition } from "./define-activity.ts";
import type {
  ActivityArgs,
  ActivityDefinition,
  ActivityResult,
  AnyActivityDefinition,
} from "./define-activity.ts";
import { activityOptionsProblem, resolveActivityOptions } from "./resolve-activity-options.ts";
import type { ActivityOverrides } from "./resolve-activity-options.ts";
import type { PreparedCompensation } from "./effect-host.ts";
import { stampedEffect } from "./stamped-effect.ts";
import type { Effect } from "./stamped-effect.ts";

/** A saga step: the activity that undoes this call, and its arguments. */
export type Compensation<CA extends unknown[]> = readonly [ActivityDefinition<CA, unknown>, ...CA];

/** Per-call options of `activity()`: each overrides the activity's own option for this call. */
export interface ActivityCallOptions<CA extends unknown[] = never> {
  readonly retry?: Partial<RetryPolicy>;
  readonly timeoutMs?: number;
  /**
   * This call's heartbeat timeout (see the activity option of the same name); must be shorter
   * than `timeoutMs` when both are given here.
   */
  readonly heartbeatTimeoutMs?: number;
  /** Cross-run idempotency key for this call; wins over the definition's key function. */
  readonly idempotencyKey?: string;
  /** The activity that undoes this one, recorded with the call for compensation. */
  readonly compensate?: Compensation<CA>;
  /**
   * The queue (`defineQueue`) whose limits this call's attempts obey, instead of the activity's
   * own `queue`. Recorded with the call (its `activity_scheduled` event and task), so replay and
   * retries keep the routing the call was made with. The engine running the workflow must serve
   * the queue (list it in `createEngine({ queues })`, or route one of its activities to it):
   * otherwise the call throws CTM_INVALID_QUEUE_OPTION, since no attempt would ever start.
   *
   * @example
   * ```ts
   * await activity(crm.upsert, contact, { queue: bulkImports });
   * ```
   */
  readonly queue?: QueueDefinition;
}

/** Signature of {@link activity}: the activity's own arguments, optionally followed by call options. */
export interface ActivityEffect {
  <D extends AnyActivityDefinition>(definition: D, ...args: ActivityArgs<D>): Promise<ActivityResult<D>>;
  <D extends AnyActivityDefinition, CA extends unknown[] = []>(
    definition: D,
    ...args: [...ActivityArgs<D>, ActivityCallOptions<CA>]
  ): Promise<ActivityResult<D>>;
}

/**
 * Runs an activity and waits for its result; its arguments and result are typed by the
 * definition. If it fails for good (retries exhausted, a non-retryable error) the returned
 * promise rejects with `ActivityFailure`.
 *
 * Per-call options: the argument right after the activity's last declared parameter (index
 * `definition.arity`) is the call options, and only that one; position decides, never shape.
 * Trailing optional parameters may be left out (`activity(def, a)` for `(a, b?) => ...`); a call
 * that leaves one out and passes options writes `undefined` in its place
 * (`activity(def, a, undefined, { timeoutMs })`), so an object-typed last parameter is never
 * mistaken for options.
 *
 * @example
 * ```ts
 * const receipt = await activity(payments.charge, orderId, total);
 * await activity(payments.charge, orderId, total, { timeoutMs: seconds(10), compensate: [payments.refund, orderId] });
 * ```
 */
export const activity: Effect<ActivityEffect> = stampedEffect<ActivityEffect>(
  "activity",
  (host, cursor, [definition, ...rest]) => {
    if (!isActivityDefinition(definition)) {
      throw new InvalidEffectArgumentError(
        "activity",
        "the first argument",
        "is not an activity definition",
        "pass what defineActivity() returned, e.g. activity(payments.charge, orderId)",
      );
    }
    const { args, options } = splitCallArguments(definition.name, definition.arity, rest);
    const prepared = options === undefined ? undefined : toOverrides(options);
    const resolved = resolveActivityOptions(definition.options as never, prepared?.overrides, args as never);
    return host.activity(cursor, definition.name, args, resolved, prepared?.compensation);
  },
);

function splitCallArguments(
  name: string,
  arity: number,
  given: readonly unknown[],
): { args: readonly unknown[]; options: object | undefined } {
  // fewer than arity: trailing optional parameters left out, as in a plain call
  if (given.length <= arity) return { args: given, options: undefined };
  if (given.length === arity + 1) {
    const options = given[arity];
    if (!isPlainObject(options)) {
      throw new InvalidEffectArgumentError(
        "activity",
        `argument ${arity + 1} of ${name}`,
        `is past the activity's ${arity} parameter${arity === 1 ? "" : "s"}, so it must be the call options object`,
        "activities take exactly their declared parameters, optionally followed by { retry, timeoutMs, heartbeatTimeoutMs, idempotencyKey, compensate, queue }",
      );
    }
    return { args: given.slice(0, arity), options };
  }
  throw new InvalidEffectArgumentError(
    "activity",
    "arguments",
    `${name} takes at most ${arity} argument${arity === 1 ? "" : "s"} (optionally followed by call options), got ${given.length}`,
    "pass the activity's parameters, then at most one call options object",
  );
}

function toOverrides(options: object): { overrides: ActivityOverrides; compensation?: PreparedCompensation } {
  const problem = activityOptionsProblem(options, "call");
  if (problem !== undefined)
    throw new InvalidEffectArgumentError(
      "activity",
      `options.${problem.field}`,
      problem.reason,
      problem.hint,
    );
  const { compensate, ...rest } = options as ActivityCallOptions<unknown[]>;
  if (compensate === undefined) return { overrides: rest };
  const [undo, ...undoArgs] = Array.isArray(compensate) ? compensate : [];
  if (!isActivityDefinition(undo)) {
    throw new InvalidEffectArgumentError(
      "activity",
      "options.compensate",
      "must be [activityDefinition, ...args]",
      "e.g. { compensate: [payments.refund, orderId] }",
    );
  }
  if (undoArgs.length > undo.arity) {
    throw new InvalidEffectArgumentError(
      "activity",
      "options.compensate",
      `${undo.name} takes at most ${undo.arity} argument${undo.arity === 1 ? "" : "s"}, got ${undoArgs.length}`,
      "list the compensating activity's arguments after it (trailing optional ones may be left out)",
    );
  }
  const args = encode(undoArgs, "compensate.args");
  return {
    overrides: { ...rest, compensate: { activityName: undo.name, args } },
    compensation: {
      activityName: undo.name,
      args,
      options: resolveActivityOptions(undo.options as never, undefined, undoArgs as never),
    },
  };
}

function isPlainObject(value: unknown): value is object {
  if (value === null || typeof value !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
