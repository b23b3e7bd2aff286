import { InvalidDurationError } from "../errors/journal-errors.ts";

/**
 * The last instant every layer can hold: the largest JavaScript Date (year 275760). PostgreSQL
 * timestamps go further (294276) and its intervals overflow near 9.2e15 ms, so an unchecked
 * `now + 1e16` would fail the SQL statement while the memory journal stored it: both journals
 * clamp to this instead, and behave the same.
 */
export const MAX_INSTANT_MS = 8_640_000_000_000_000;

/**
 * A duration the journal can add to its clock: negative means now (0), anything past
 * {@link MAX_INSTANT_MS} (Infinity included) is clamped to it, whole ms. NaN is refused
 * before anything is written.
 *
 * @example
 * ```ts
 * storableDelay("sleep", 1e300); // 8_640_000_000_000_000
 * ```
 */
export function storableDelay(what: string, ms: number): number {
  if (Number.isNaN(ms)) throw new InvalidDurationError(what, ms);
  return Math.min(MAX_INSTANT_MS, Math.max(0, Math.round(ms)));
}

/** An instant `delayMs` after `now`, clamped to {@link MAX_INSTANT_MS}; see {@link storableDelay}. */
export function instantAfter(what: string, now: number, delayMs: number): number {
  return Math.min(MAX_INSTANT_MS, now + storableDelay(what, delayMs));
}

/** An absolute instant clamped to [0, {@link MAX_INSTANT_MS}]; NaN is refused. */
export function storableInstant(what: string, at: number): number {
  if (Number.isNaN(at)) throw new InvalidDurationError(what, at);
  return Math.min(MAX_INSTANT_MS, Math.max(0, Math.round(at)));
}
