import { describe, expect, it } from "vitest";
import type { EngineTimers } from "./engine-timers.ts";
import { createJournalClock } from "./sticky-activities.ts";

/** Local time under the test's control. */
function localTimers(): EngineTimers & { at: number } {
  const timers = {
    at: 0,
    now: () => timers.at,
    after: () => () => {},
  };
  return timers;
}

describe("createJournalClock", () => {
  it("tells journal time from the latest reading plus the local time elapsed since", () => {
    const timers = localTimers();
    const clock = createJournalClock(timers);
    clock.saw(1_000);
    timers.at = 250;
    expect(clock.now()).toBe(1_250);
    clock.saw(1_300);
    expect(clock.now()).toBe(1_300);
  });

  // Found while writing the chaos suite's "workflow time never goes back" invariant: a reading is
  // the journal's transaction time, which may reach the engine late (a statement that waited for
  // a lock, a busy event loop). Re-anchoring on such a reading moved the clock back, so a cached
  // run's next step could read an earlier now() than its previous step had recorded.
  it("never moves backwards when a newer reading arrives late", () => {
    const timers = localTimers();
    const clock = createJournalClock(timers);
    clock.saw(1_000); // a claim answered at once
    timers.at = 500;
    const before = clock.now(); // 1_500: a step of a cached run records this
    clock.saw(1_200); // a commit that began at 1_200 and answered 300 ms later
    timers.at = 510;
    expect(clock.now()).toBeGreaterThanOrEqual(before);
    expect(clock.now()).toBe(1_510);
    // A reading ahead of the estimate still wins at once.
    clock.saw(2_000);
    expect(clock.now()).toBe(2_000);
    // An older reading than the last one changes nothing.
    clock.saw(1_900);
    timers.at = 520;
    expect(clock.now()).toBe(2_010);
  });
});
