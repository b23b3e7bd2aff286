import { InvalidEffectArgumentError } from "../errors/workflow-errors.ts";
import { stampedEffect } from "./stamped-effect.ts";
import type { Effect } from "./stamped-effect.ts";

/** Signature of {@link sideEffect}. */
export type SideEffectEffect = <T>(fn: () => T | Promise<T>) => Promise<T>;

/**
 * Runs `fn` once, records its value (or the error it threw) in the journal, and on every replay
 * returns the recorded value without running `fn` again. For small non-deterministic values
 * (read a feature flag, make an id); work that may fail or take long belongs in an activity.
 * Always returns a promise, whether `fn` is sync or async, and settles it at a point replay
 * can reproduce (after the current step's microtasks, in call order). The run makes no progress
 * while an async `fn` runs (other runs do), so keep it short.
 *
 * @example
 * ```ts
 * const variant = await sideEffect(() => flags.variant("checkout"));
 * ```
 */
export const sideEffect: Effect<SideEffectEffect> = stampedEffect<SideEffectEffect>(
  "sideEffect",
  (host, cursor, [fn]) => {
    if (typeof fn !== "function") {
      throw new InvalidEffectArgumentError(
        "sideEffect",
        "fn",
        `must be a function, got ${typeof fn}`,
        "pass a function: sideEffect(() => value)",
      );
    }
    return host.sideEffect(cursor, fn as () => unknown);
  },
);
