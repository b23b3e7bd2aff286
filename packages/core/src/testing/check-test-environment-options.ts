import { Limits, checkOptionalNumber } from "../validation/index.ts";
import type { TestEnvironmentOptions } from "./test-environment.ts";

/**
 * Refuses out-of-range numeric options of `createTestEnvironment` before anything is opened, so
 * that a typo fails at the call with the option's name rather than as a hang or a clock error.
 */
export function checkTestEnvironmentOptions(options: TestEnvironmentOptions): void {
  checkOptionalNumber(options.startTime, "startTime", { min: 0, max: 8.64e15, integer: true });
  checkOptionalNumber(options.cacheSize, "cacheSize", { min: 0, max: 1_000_000, integer: true });
  checkOptionalNumber(options.idleActivityMs, "idleActivityMs", { min: 0, max: Limits.maxTimerMs });
  checkOptionalNumber(options.maxRounds, "maxRounds", {
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    integer: true,
  });
}
