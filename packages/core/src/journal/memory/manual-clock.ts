import type { Clock } from "../clock.ts";

/**
 * A clock that moves only when told to: the memory journal's time in tests and in the test
 * kit's time-skipping.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
 * const journal = new MemoryJournal({ clock });
 * clock.advance(60_000);
 * ```
 */
export class ManualClock implements Clock {
  #now: number;

  constructor(start = 1_767_225_600_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Moves time forward by `ms` (never backward). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance needs a non-negative number of ms, got ${ms}`);
    this.#now += ms;
  }

  /** Jumps to `epochMs` when it is later than now. */
  advanceTo(epochMs: number): void {
    if (epochMs > this.#now) this.#now = epochMs;
  }
}
