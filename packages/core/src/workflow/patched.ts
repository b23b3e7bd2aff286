import { InvalidEffectArgumentError } from "../errors/workflow-errors.ts";
import { stampedEffect } from "./stamped-effect.ts";
import type { Effect } from "./stamped-effect.ts";
import { describeValue } from "../validation/text.ts";

/** Signature of {@link patched}. */
export type PatchedEffect = (patchId: string) => boolean;
/** Signature of {@link deprecatePatch}. */
export type DeprecatePatchEffect = (patchId: string) => void;

function checkId(effect: string, patchId: unknown): asserts patchId is string {
  if (typeof patchId !== "string" || patchId.length === 0) {
    throw new InvalidEffectArgumentError(
      effect,
      "patchId",
      `must be a non-empty string literal, got ${describeValue(patchId)}`,
      'name the change, e.g. patched("send-receipt")',
    );
  }
}

/**
 * Changes a workflow without breaking its runs in flight. Returns true when the run takes the
 * new path: always for new runs and for runs that reach this point after the deploy; false on
 * replay of a run that passed this point with the old code (its history has no marker here).
 * A run whose marker here names another patch id (a patch replaced in place; ids held in
 * constants share one call-site identity) fails replay with `ReplayDriftError`.
 *
 * @example
 * ```ts
 * if (patched("send-receipt")) await activity(mail.sendReceipt, orderId);
 * ```
 */
export const patched: Effect<PatchedEffect> = stampedEffect<PatchedEffect>(
  "patched",
  (host, cursor, [patchId]) => {
    checkId("patched", patchId);
    return host.patched(cursor, patchId);
  },
);

/**
 * Replaces `patched(id)` once no run takes the old path any more: runs recorded with the
 * patch's marker replay cleanly, and new runs record nothing.
 *
 * @example
 * ```ts
 * deprecatePatch("send-receipt");
 * await activity(mail.sendReceipt, orderId);
 * ```
 */
export const deprecatePatch: Effect<DeprecatePatchEffect> = stampedEffect<DeprecatePatchEffect>(
  "deprecatePatch",
  (host, cursor, [patchId]) => {
    checkId("deprecatePatch", patchId);
    host.deprecatePatch(cursor, patchId);
  },
);
