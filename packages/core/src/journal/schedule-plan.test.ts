import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { InvalidScheduleError } from "../errors/schedule-errors.ts";
import {
  checkScheduleSpec,
  fireTimesBetween,
  fireWorkflowId,
  jitterOf,
  nextFireAfter,
} from "./schedule-plan.ts";
import type { ScheduleSpec } from "./schedule-types.ts";

const cron = (pattern: string, timezone: string): ScheduleSpec => ({
  cron: pattern,
  timezone,
  overlap: "skip",
  catchupWindowMs: 0,
  jitterMs: 0,
});
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const fires = (spec: ScheduleSpec, from: string, n: number) =>
  fireTimesBetween(spec, Date.parse(from), Number.MAX_SAFE_INTEGER, n).map(iso);

// Fire times across DST transitions, the rule croner follows (Open Cron Pattern Specification):
// a wall time that a spring-forward skips fires once, at the first instant after the gap; a
// fixed wall time that a fall-back repeats fires once, at its first occurrence.
describe("fire times across DST transitions", () => {
  it("America/New_York spring-forward (2026-03-08): 02:30 does not exist, fires at 03:00 EDT, once", () => {
    expect(fires(cron("30 2 * * *", "America/New_York"), "2026-03-07T12:00:00Z", 3)).toEqual([
      "2026-03-08T07:00:00.000Z", // 03:00 EDT: the first instant after the gap
      "2026-03-09T06:30:00.000Z", // 02:30 EDT
      "2026-03-10T06:30:00.000Z",
    ]);
  });

  it("America/New_York fall-back (2026-11-01): 01:30 happens twice, fires once (EDT)", () => {
    expect(fires(cron("30 1 * * *", "America/New_York"), "2026-10-31T12:00:00Z", 3)).toEqual([
      "2026-11-01T05:30:00.000Z", // 01:30 EDT
      "2026-11-02T06:30:00.000Z", // 01:30 EST the next day
      "2026-11-03T06:30:00.000Z",
    ]);
  });

  it("America/New_York: an hourly pattern keeps one fire per real hour through both transitions", () => {
    const spring = fires(cron("0 * * * *", "America/New_York"), "2026-03-08T05:30:00Z", 4);
    expect(spring).toEqual([
      "2026-03-08T06:00:00.000Z", // 01:00 EST
      "2026-03-08T07:00:00.000Z", // 03:00 EDT (02:00 does not exist)
      "2026-03-08T08:00:00.000Z",
      "2026-03-08T09:00:00.000Z",
    ]);
    const fall = fires(cron("0 * * * *", "America/New_York"), "2026-11-01T04:30:00Z", 4);
    expect(fall).toEqual([
      "2026-11-01T05:00:00.000Z", // 01:00 EDT
      "2026-11-01T06:00:00.000Z", // 01:00 EST (the repeated hour, an hourly pattern fires in it)
      "2026-11-01T07:00:00.000Z", // 02:00 EST
      "2026-11-01T08:00:00.000Z",
    ]);
  });

  it("Europe/Berlin spring-forward (2026-03-29) and fall-back (2026-10-25) at 02:30", () => {
    expect(fires(cron("30 2 * * *", "Europe/Berlin"), "2026-03-28T12:00:00Z", 2)).toEqual([
      "2026-03-29T01:00:00.000Z", // 03:00 CEST
      "2026-03-30T00:30:00.000Z", // 02:30 CEST
    ]);
    expect(fires(cron("30 2 * * *", "Europe/Berlin"), "2026-10-24T12:00:00Z", 2)).toEqual([
      "2026-10-25T00:30:00.000Z", // 02:30 CEST, the first of the two
      "2026-10-26T01:30:00.000Z", // 02:30 CET
    ]);
  });

  it("Australia/Sydney (southern hemisphere): spring-forward in October, fall-back in April", () => {
    expect(fires(cron("30 2 * * *", "Australia/Sydney"), "2026-10-03T00:00:00Z", 2)).toEqual([
      "2026-10-03T16:00:00.000Z", // 03:00 AEDT on 2026-10-04 (02:30 skipped)
      "2026-10-04T15:30:00.000Z", // 02:30 AEDT
    ]);
    expect(fires(cron("30 2 * * *", "Australia/Sydney"), "2026-04-04T00:00:00Z", 2)).toEqual([
      "2026-04-04T15:30:00.000Z", // 02:30 AEDT on 2026-04-05, the first of the two
      "2026-04-05T16:30:00.000Z", // 02:30 AEST
    ]);
  });

  it("Australia/Lord_Howe: a half-hour DST shift", () => {
    // Lord Howe moves from +10:30 to +11:00 at 02:00 on 2026-10-04: 02:00-02:29 do not exist.
    expect(fires(cron("15 2 * * *", "Australia/Lord_Howe"), "2026-10-03T00:00:00Z", 2)).toEqual([
      "2026-10-03T15:30:00.000Z", // 02:30 +11:00 (02:15 skipped)
      "2026-10-04T15:15:00.000Z", // 02:15 +11:00
    ]);
  });

  it("Asia/Kolkata (+05:30, no DST) and a six-field pattern with seconds", () => {
    expect(fires(cron("0 9 * * *", "Asia/Kolkata"), "2026-10-03T00:00:00Z", 2)).toEqual([
      "2026-10-03T03:30:00.000Z",
      "2026-10-04T03:30:00.000Z",
    ]);
    expect(fires(cron("*/20 * * * * *", "UTC"), "2026-01-01T00:00:00Z", 3)).toEqual([
      "2026-01-01T00:00:00.000Z",
      "2026-01-01T00:00:20.000Z",
      "2026-01-01T00:00:40.000Z",
    ]);
  });
});

describe("intervals, ids and jitter", () => {
  it("every: multiples of the interval since the epoch, strictly after the given instant", () => {
    const spec: ScheduleSpec = {
      everyMs: 900_000,
      timezone: "UTC",
      overlap: "skip",
      catchupWindowMs: 0,
      jitterMs: 0,
    };
    expect(iso(nextFireAfter(spec, Date.parse("2026-01-01T10:07:00Z")))).toBe("2026-01-01T10:15:00.000Z");
    expect(iso(nextFireAfter(spec, Date.parse("2026-01-01T10:15:00Z")))).toBe("2026-01-01T10:30:00.000Z");
  });

  it("a fire's workflow id names the schedule and the fire time; jitter is deterministic and bounded", () => {
    expect(fireWorkflowId("report", Date.parse("2026-01-01T02:00:00Z"))).toBe(
      "report@2026-01-01T02:00:00.000Z",
    );
    const offsets = Array.from({ length: 200 }, (_, i) => jitterOf("report", i * 60_000, 30_000));
    expect(offsets).toEqual(Array.from({ length: 200 }, (_, i) => jitterOf("report", i * 60_000, 30_000)));
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...offsets)).toBeLessThanOrEqual(30_000);
    expect(new Set(offsets).size).toBeGreaterThan(100);
    expect(jitterOf("report", 0, 0)).toBe(0);
  });

  it("refuses specs that cannot fire, with InvalidScheduleError naming the option", () => {
    const base = cron("0 * * * *", "UTC");
    const bad: [Partial<ScheduleSpec>, string][] = [
      [{ cron: "not a cron" }, "cron"],
      [{ timezone: "Mars/Olympus" }, "timezone"],
      [{ everyMs: 60_000 }, "cron/every"],
      [{ cron: undefined, everyMs: 10 }, "every"],
      [{ catchupWindowMs: -1 }, "catchupWindow"],
      [{ jitterMs: Number.NaN }, "jitter"],
      [{ overlap: "sometimes" as never }, "overlap"],
    ];
    for (const [overrides, option] of bad) {
      const attempt = () => checkScheduleSpec("s", { ...base, ...overrides });
      expect(attempt).toThrow(InvalidScheduleError);
      try {
        attempt();
      } catch (error) {
        expect((error as InvalidScheduleError).code).toBe(ErrorCode.InvalidSchedule);
        expect((error as InvalidScheduleError).data.option).toBe(option);
      }
    }
    expect(() => checkScheduleSpec("s", base)).not.toThrow();
  });
});
