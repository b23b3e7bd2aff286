import { InvalidEffectArgumentError } from "../errors/workflow-errors.ts";
import { IdentifierKind, describeValue, identifierProblem } from "../validation/index.ts";
import { isSignalDefinition, type SignalDefinition } from "./define-signal.ts";
import { stampedEffect } from "./stamped-effect.ts";
import type { Effect } from "./stamped-effect.ts";

/**
 * What a signal wait with a timeout resolves to when the timeout came first. A registered
 * symbol, so it survives duplicated module copies; test for it with {@link isTimeout}.
 */
export const SignalTimeout: unique symbol = Symbol.for("@continuum/core/signal-timeout") as never;
/** The type of {@link SignalTimeout}. */
export type SignalTimeout = typeof SignalTimeout;

/** True when a signal wait ended by its timeout rather than by a signal. */
export function isTimeout(value: unknown): value is SignalTimeout {
  return value === SignalTimeout;
}

/** Options of a signal wait. */
export interface SignalOptions {
  /** Give up after this many ms: the wait then resolves to {@link SignalTimeout}. */
  readonly timeout: number;
}

/** Signature of {@link signal}. */
export interface SignalEffect {
  <T>(definition: SignalDefinition<T>): Promise<T>;
  <T>(definition: SignalDefinition<T>, options: SignalOptions): Promise<T | SignalTimeout>;
  <T>(name: string): Promise<T>;
  <T>(name: string, options: SignalOptions): Promise<T | SignalTimeout>;
}

/**
 * Waits for the next signal called `name` (or defined by a {@link SignalDefinition} from
 * `defineSignal`, whose payload type it then returns) and returns its payload. Signals that arrived before
 * anybody waited are kept in the run's mailbox: the first wait for a name (in journal order)
 * takes the first signal of that name. With `{ timeout }`, whichever the journal delivered
 * first wins: the signal, or the timeout ({@link SignalTimeout}); a timed-out wait is gone, so
 * a later signal stays in the mailbox for the next wait.
 *
 * A wait is pending until a signal settles it, whether or not the code still looks at its
 * promise. So a wait that lost a `Promise.race` stays pending, and the rule is: starting a wait
 * for `name` replaces every wait for `name` still pending from an earlier step. The replaced
 * waits never take a signal (awaiting one rejects with `SignalWaitReplacedError`,
 * CTM_SIGNAL_WAIT_REPLACED). Waits started in the same step (`Promise.all([signal(n),
 * signal(n)])`) are all kept and served first-started first. Until the newer wait starts, a
 * race loser still takes a signal that arrives: for a deadline prefer `{ timeout }` to
 * `Promise.race` (guides/signals.md).
 *
 * @example
 * ```ts
 * const review = await signal<"approved" | "rejected">("fraud_review", { timeout: hours(24) });
 * if (isTimeout(review)) return { error: "no review" };
 * // typed: export const approve = defineSignal<{ by: string }>("approve");
 * const { by } = await signal(approve);
 * ```
 */
export const signal: Effect<SignalEffect> = stampedEffect<SignalEffect>(
  "signal",
  (host, cursor, [nameOrDefinition, options]) => {
    const name = isSignalDefinition(nameOrDefinition) ? nameOrDefinition.name : nameOrDefinition;
    const nameProblem = identifierProblem(IdentifierKind.name, name);
    if (nameProblem !== undefined) {
      throw new InvalidEffectArgumentError(
        "signal",
        "name",
        `${nameProblem}, got ${describeValue(name)}`,
        'name signals with string literals, e.g. signal("approve")',
      );
    }
    let timeoutMs: number | undefined;
    if (options !== undefined) {
      const timeout: unknown = (options as { timeout?: unknown } | null)?.timeout;
      if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout < 0) {
        throw new InvalidEffectArgumentError(
          "signal",
          "options.timeout",
          `must be a finite number of ms >= 0, got ${describeValue(timeout)}`,
          "use seconds(), minutes(), hours() or days(); leave options out to wait forever",
        );
      }
      timeoutMs = timeout;
    }
    return host.signal(cursor, name as string, timeoutMs);
  },
);
