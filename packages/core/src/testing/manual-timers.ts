import type { EngineTimers } from "../worker/engine-timers.ts";

/**
 * Engine timers driven by a manual clock: an activity's timeout fires when the test's time
 * passes its deadline, not after real milliseconds. `advanceTo` moves the clock and runs every
 * callback that came due, in due order.
 */
export interface ManualTimers extends EngineTimers {
  /** Earliest pending callback time, if any. */
  nextAt(): number | undefined;
  /** Moves the clock to `epochMs` (never back) and runs the callbacks due by then. */
  advanceTo(epochMs: number): void;
}

/** A clock the test moves: the memory journal's `ManualClock`, or the SQL test clock's local estimate. */
export interface MovableClock {
  now(): number;
  advanceTo(epochMs: number): void;
}

/** Creates {@link ManualTimers} over `clock`. */
export function createManualTimers(clock: MovableClock): ManualTimers {
  let nextId = 0;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const runDue = (): void => {
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of pending)
        if (entry[1].at <= clock.now() && (due === undefined || entry[1].at < due[1].at)) due = entry;
      if (due === undefined) return;
      pending.delete(due[0]);
      due[1].fn();
    }
  };
  return {
    now: () => clock.now(),
    after(ms, fn) {
      const id = nextId++;
      pending.set(id, { at: clock.now() + Math.max(0, ms), fn });
      return () => pending.delete(id);
    },
    nextAt() {
      let at: number | undefined;
      for (const entry of pending.values()) if (at === undefined || entry.at < at) at = entry.at;
      return at;
    },
    advanceTo(epochMs) {
      clock.advanceTo(epochMs);
      runDue();
    },
  };
}
