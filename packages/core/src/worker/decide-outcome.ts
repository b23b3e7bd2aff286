import { serializeError } from "../codec/index.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import { ErrorCode } from "../errors/error-code.ts";
import type { TaskClaim, TaskOutcome } from "../journal/journal.ts";
import { retryDelayMs } from "../model/activity-options.ts";
import type { SerializedError } from "../model/index.ts";
import { encodeWithinLimit } from "../validation/payload-size.ts";

/** What an attempt's activity function did, or that the pool stopped waiting for it. */
export type AttemptResult =
  | { readonly kind: "returned"; readonly value: unknown }
  | { readonly kind: "threw"; readonly error: unknown }
  | { readonly kind: "abandoned"; readonly reason: Error };

/**
 * Maps what the function did to the journal outcome, applying the retry policy. A withdrawn
 * attempt (its call no longer wanted) that threw fails for good: a retry would run a call
 * nobody awaits.
 */
export function decideOutcome(
  claim: TaskClaim,
  result: AttemptResult & { kind: "returned" | "threw" },
  withdrawn = false,
): TaskOutcome {
  if (result.kind === "returned") {
    try {
      return { kind: "completed", result: encodeWithinLimit(result.value, "result") };
    } catch (error) {
      // An unserializable result fails the same way on every attempt: retrying cannot help.
      return { kind: "failed", error: serializeError(error) };
    }
  }
  const error = serializeError(result.error);
  const { retry } = claim.options;
  if (
    withdrawn ||
    isNonRetryable(error, retry.nonRetryableErrors, result.error) ||
    claim.attempt >= retry.maxAttempts
  ) {
    return { kind: "failed", error };
  }
  return { kind: "retry", error, delayMs: retryDelayMs(retry, claim.attempt) };
}

const deterministicCodes: ReadonlySet<string> = new Set([
  ErrorCode.Unserializable,
  ErrorCode.PayloadTooLarge,
  ErrorCode.MalformedPayload,
]);

function isNonRetryable(error: SerializedError, nonRetryable: readonly string[], thrown: unknown): boolean {
  if (nonRetryable.includes(error.name)) return true;
  if (error.code !== undefined && nonRetryable.includes(error.code)) return true;
  // Plain errors often carry a `code` (ECONNREFUSED, a user code) that the serialized form may not keep.
  const ownCode =
    typeof thrown === "object" && thrown !== null ? (thrown as { code?: unknown }).code : undefined;
  if (typeof ownCode === "string" && nonRetryable.includes(ownCode)) return true;
  if (isContinuumError(thrown) && deterministicCodes.has(thrown.code)) return true;
  return false;
}
