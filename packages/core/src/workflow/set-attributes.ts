import { stampedEffect } from "./stamped-effect.ts";
import type { Effect } from "./stamped-effect.ts";

/**
 * Signature of {@link setAttributes}: names to new values (null removes a name); returns the
 * values journaled for this call.
 */
export type SetAttributesEffect = (
  attributes: Readonly<Record<string, unknown>>,
) => Readonly<Record<string, unknown>>;

/**
 * Changes the run's search attributes from workflow code, so `list({ where })`, the CLI and the
 * Observer find the run by what it has become (a status, a total known only later). Each name
 * given is set to its value and a `null` removes it; names not given keep their values.
 *
 * The call is journaled as an `attributes_set` event and the run row's attributes change in the
 * same commit as the step, so a query sees the new values as soon as the step commits and never
 * before. On replay the recorded event is matched and nothing is written again. It returns the
 * values journaled for this call (frozen): on replay the recorded ones, even when the code now
 * computes others, so what the code goes on with is what the run holds.
 *
 * Values are checked at the call against the workflow's `searchAttributes` declarations (plain
 * JSON when it declares none): a bad one throws `InvalidAttributesError`
 * (`CTM_INVALID_ATTRIBUTES`) in the workflow code, and nothing is journaled.
 *
 * @example
 * ```ts
 * setAttributes({ status: "shipped", shippedAt: now().toISOString() });
 * setAttributes({ coupon: null }); // removes coupon
 * ```
 */
export const setAttributes: Effect<SetAttributesEffect> = stampedEffect<SetAttributesEffect>(
  "setAttributes",
  (host, cursor, [attributes]) => host.setAttributes(cursor, attributes),
);
