import { afterEach, describe, expect, it, vi } from "vitest";
import { Limits } from "../validation/limits.ts";
import { realTimers } from "./engine-timers.ts";

// Node fires a setTimeout over 2^31 - 1 ms after 1 ms: a 30-day activity timeout would abandon
// the attempt at once. Node's own timer queue is driven here by vitest's clock (no waiting).
describe("realTimers", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("waits out a delay longer than Node's setTimeout limit instead of firing at once", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    let fired = 0;
    const thirtyDays = 30 * 86_400_000;
    expect(thirtyDays).toBeGreaterThan(Limits.maxTimerMs);
    realTimers.after(thirtyDays, () => fired++);
    vi.advanceTimersByTime(1_000);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(Limits.maxTimerMs);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(thirtyDays - Limits.maxTimerMs - 1_000);
    expect(fired).toBe(1);
    vi.advanceTimersByTime(thirtyDays);
    expect(fired).toBe(1);
  });

  it("cancels a long delay in any of its steps", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    let fired = 0;
    const cancel = realTimers.after(Limits.maxTimerMs * 3, () => fired++);
    vi.advanceTimersByTime(Limits.maxTimerMs + 5);
    cancel();
    vi.advanceTimersByTime(Limits.maxTimerMs * 3);
    expect(fired).toBe(0);
  });

  it("fires short delays once, on time", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    let fired = 0;
    realTimers.after(50, () => fired++);
    vi.advanceTimersByTime(49);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
  });
});
