import { stampedEffect } from "./stamped-effect.ts";
import type { Effect } from "./stamped-effect.ts";

/** Signature of {@link continueAsNew}. */
export type ContinueAsNewEffect = <Input>(input: Input) => Promise<never>;

/**
 * Ends this run and starts its successor with `input`: a fresh run of the same workflow with
 * an empty history, the same workflow id, namespace, attributes and parent. Use it to keep
 * the history of a long-lived workflow (an entity loop, a poller) short. Signals that arrived
 * and were not taken move to the successor; `client.result()` follows the chain to its last
 * run. Nothing after the call runs: `return continueAsNew(next)` (or `await` it).
 *
 * @example
 * ```ts
 * export const counter = workflow("counter", { version: 1 }, async (state: { total: number }) => {
 *   for (let i = 0; i < 100; i++) state.total += await signal<number>("add");
 *   return continueAsNew(state);
 * });
 * ```
 */
export const continueAsNew: Effect<ContinueAsNewEffect> = stampedEffect<ContinueAsNewEffect>(
  "continueAsNew",
  (host, cursor, [input]) => host.continueAsNew(cursor, input),
);
