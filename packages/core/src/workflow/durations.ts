/**
 * Durations in milliseconds, for `sleep`, signal timeouts and activity options.
 *
 * @example
 * ```ts
 * await sleep(minutes(5));
 * await signal("approve", { timeout: days(2) });
 * ```
 */
export function seconds(n: number): number {
  return n * 1_000;
}

/** `n` minutes in milliseconds. */
export function minutes(n: number): number {
  return n * 60_000;
}

/** `n` hours in milliseconds. */
export function hours(n: number): number {
  return n * 3_600_000;
}

/** `n` days (of 24 hours) in milliseconds. */
export function days(n: number): number {
  return n * 86_400_000;
}
