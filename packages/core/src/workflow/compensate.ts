import { InvalidEffectArgumentError } from "../errors/workflow-errors.ts";
import { stampedEffect } from "./stamped-effect.ts";
import type { Effect } from "./stamped-effect.ts";
import { describeValue } from "../validation/text.ts";

/** Options of {@link compensateAll}. */
export interface CompensateAllOptions {
  /**
   * `"lifo"` (default): most recent first, one after the other, stopping at the first that
   * fails. `"parallel"`: all at once, waiting for every one; the first failure (most recent
   * first) is reported after all settled.
   */
  readonly order?: "lifo" | "parallel";
}

/** Signature of {@link compensate}: takes the object a completed activity call returned. */
export type CompensateEffect = (result: object) => Promise<void>;
/** Signature of {@link compensateAll}. */
export type CompensateAllEffect = (options?: CompensateAllOptions) => Promise<void>;

/**
 * Saga step: runs the compensation given (`{ compensate: [undo, ...args] }`) to the completed
 * activity call that returned `result`, and waits for it. The call is found by its result,
 * which must be the very object that call returned (each call's result is a distinct object).
 * A primitive is refused with CTM_INVALID_ARGUMENT: two calls may return equal ones ("ok",
 * `true`, the same id), so it cannot say which call to undo. Return an object from activities
 * you want to undo one by one, or use {@link compensateAll}.
 *
 * A compensation is an activity like any other: journaled, retried by its own retry policy,
 * and run at most once per run (replay and recovery find it in the journal instead of running it
 * again; the activity itself is at-least-once, so make it idempotent, e.g. keyed by
 * `activityContext().runId` and `.identity`). A failing compensation rejects with `ActivityFailure`.
 *
 * @example
 * ```ts
 * const receipt = await activity(payments.charge, orderId, total, { compensate: [payments.refund, orderId] });
 * if (rejected) await compensate(receipt);
 * ```
 */
export const compensate: Effect<CompensateEffect> = stampedEffect<CompensateEffect>(
  "compensate",
  (host, cursor, [result]) => {
    if (result === null || typeof result !== "object") {
      // Two calls may return equal primitives ("ok", true, the same id): undoing "the" call that
      // returned one would be a guess, and a wrong guess undoes the wrong work.
      throw new InvalidEffectArgumentError(
        "compensate",
        "result",
        `is ${result === null ? "null" : `a ${typeof result}`}: a primitive cannot tell which call returned it`,
        "return an object from the activity (e.g. { bookingId }) and pass that very object, or undo every pending call with compensateAll()",
      );
    }
    return host.compensate(cursor, result);
  },
);

/**
 * Runs every compensation of completed calls that has not run yet: most recent first, one
 * after the other, stopping at the first that fails (rejecting with `ActivityFailure`); or all
 * at once with `{ order: "parallel" }`. Works anywhere in the workflow: in a `catch` block, after
 * a signal timed out, after a cancellation or a workflow timeout was caught.
 *
 * @example
 * ```ts
 * try { await bookEverything(); } catch (e) { await compensateAll(); throw e; }
 * await compensateAll({ order: "parallel" });
 * ```
 */
export const compensateAll: Effect<CompensateAllEffect> = stampedEffect<CompensateAllEffect>(
  "compensateAll",
  (host, cursor, [options]) => {
    const order: unknown = (options as CompensateAllOptions | undefined)?.order;
    if (order !== undefined && order !== "lifo" && order !== "parallel") {
      throw new InvalidEffectArgumentError(
        "compensateAll",
        "options.order",
        `must be "lifo" or "parallel", got ${describeValue(order)}`,
        'pass { order: "lifo" } (default) or { order: "parallel" }',
      );
    }
    return host.compensateAll(cursor, options ?? {});
  },
);
