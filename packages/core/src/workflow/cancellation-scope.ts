import { ErrorCode } from "../errors/error-code.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import { EffectOutsideWorkflowError, InvalidEffectArgumentError } from "../errors/workflow-errors.ts";
import type { CancelledError } from "../errors/workflow-errors.ts";
import { EffectInQueryError } from "../errors/message-errors.ts";
import { currentHost, inQueryHandler } from "./effect-host.ts";
import type { EffectHost } from "./effect-host.ts";
import { stampedEffect } from "./stamped-effect.ts";
import type { Effect } from "./stamped-effect.ts";

/** Options of {@link cancellable}. */
export interface CancellableOptions {
  /** Cancels the scope after this many milliseconds (a durable timer), unless its function settled first. */
  readonly timeout?: number;
}

/**
 * A running cancellable scope: awaiting it gives its function's outcome, and `cancel()`
 * cancels it (and the scopes inside it that are not `nonCancellable`) without touching the
 * rest of the run.
 */
export type CancellableScope<T> = Promise<T> & {
  /** Rejects what the scope waits on, and every effect it starts from now on, with CancelledError. */
  readonly cancel: (reason?: string) => void;
};

/** Signature of {@link cancellable}. */
export type CancellableEffect = <T>(
  fn: () => Promise<T>,
  options?: CancellableOptions,
) => CancellableScope<T>;

/**
 * Runs `fn` in a cancellation scope of its own. The scope is cancelled when the scope around it
 * is (the run, on a cancel request), when its handle's `cancel()` is called, or when its
 * `timeout` elapses; then everything `fn` waits on is rejected with `CancelledError`, and so is
 * every effect it starts afterwards. Scopes nest.
 *
 * @example
 * ```ts
 * // Give the slow quote 30 s; cancel the loser of a race on its own.
 * const quote = cancellable(() => activity(pricing.quote, sku), { timeout: seconds(30) });
 * const fallback = sleep(seconds(5)).then(() => "list price");
 * const first = await Promise.race([quote, fallback]);
 * quote.cancel("fallback won");
 * ```
 */
export const cancellable: Effect<CancellableEffect> = stampedEffect<CancellableEffect>(
  "cancellable",
  (host, cursor, [fn, options]) => {
    const timeoutMs = (options as CancellableOptions | undefined)?.timeout;
    checkScopeFunction("cancellable", fn);
    if (
      timeoutMs !== undefined &&
      (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs < 0)
    ) {
      throw new InvalidEffectArgumentError(
        "cancellable",
        "options.timeout",
        `must be a finite number >= 0, got ${String(timeoutMs)}`,
        "use seconds(), minutes(), hours() or days() to write the timeout",
      );
    }
    const run = host.scope(
      cursor,
      timeoutMs === undefined ? { shielded: false } : { shielded: false, timeoutMs },
      fn as () => Promise<unknown>,
    );
    return Object.assign(run.result, { cancel: run.cancel });
  },
);

/**
 * Runs `fn` where cancellation does not reach: a cancel request of the run (or of an enclosing
 * `cancellable` scope) neither rejects what `fn` waits on nor the effects it starts. Use it for
 * the cleanup a cancelled run still owes: notifying a customer, releasing a hold. (Compensations,
 * `compensate()` and `compensateAll()`, are never cancelled and need no scope.) A `cancellable`
 * scope inside it can still be cancelled on its own.
 *
 * @example
 * ```ts
 * try {
 *   await activity(shipping.ship, orderId);
 * } catch (error) {
 *   if (isCancellation(error)) await nonCancellable(() => activity(mail.sendCancelled, orderId));
 *   throw error;
 * }
 * ```
 */
export function nonCancellable<T>(fn: () => Promise<T>): Promise<T> {
  const host = scopeHost("nonCancellable");
  checkScopeFunction("nonCancellable", fn);
  return host.scope(undefined, { shielded: true }, fn).result;
}

/**
 * Returns `value` and marks the run to complete with it even though it was cancelled. Without
 * it, a cancelled run whose code returns normally (it caught the CancelledError) ends
 * `cancelled`, so that swallowing the error never turns a cancellation into a success by
 * accident. Outside a cancellation it changes nothing.
 *
 * @example
 * ```ts
 * } catch (error) {
 *   if (!isCancellation(error)) throw error;
 *   await nonCancellable(() => activity(payments.refund, orderId));
 *   return complete({ status: "refunded" as const });
 * }
 * ```
 */
export function complete<T>(value: T): T {
  scopeHost("complete").completeDespiteCancel();
  return value;
}

/** True when `error` is the CancelledError of a run or scope cancellation. */
export function isCancellation(error: unknown): error is CancelledError {
  return isContinuumError(error, ErrorCode.Cancelled);
}

function scopeHost(name: string): EffectHost {
  // A query handler reads state; opening a scope or completing the run would change it.
  if (inQueryHandler()) throw new EffectInQueryError(name);
  const host = currentHost();
  if (host === undefined) throw new EffectOutsideWorkflowError(name);
  return host;
}

function checkScopeFunction(name: string, fn: unknown): void {
  if (typeof fn !== "function") {
    throw new InvalidEffectArgumentError(
      name,
      "fn",
      `must be a function, got ${typeof fn}`,
      `pass the scope's code as a function: ${name}(async () => { ... })`,
    );
  }
}
