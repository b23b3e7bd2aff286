import { InvalidEffectArgumentError } from "../errors/workflow-errors.ts";
import { stampedEffect } from "./stamped-effect.ts";
import type { Effect } from "./stamped-effect.ts";
import { describeValue } from "../validation/text.ts";

/** Signature of {@link sleep}. */
export type SleepEffect = (ms: number) => Promise<void>;
/** Signature of {@link sleepUntil}. */
export type SleepUntilEffect = (until: Date | number) => Promise<void>;

/**
 * A durable timer: the run waits `ms` milliseconds, across restarts and deploys. The delay is
 * measured by the journal's clock from the moment the timer is journaled.
 *
 * @example
 * ```ts
 * await sleep(hours(1));
 * ```
 */
export const sleep: Effect<SleepEffect> = stampedEffect<SleepEffect>("sleep", (host, cursor, [ms]) => {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidEffectArgumentError(
      "sleep",
      "ms",
      `must be a finite number >= 0, got ${describeValue(ms)}`,
      "use seconds(), minutes(), hours() or days() to write the delay",
    );
  }
  return host.timer(cursor, { delayMs: ms });
});

/**
 * A durable timer that ends at an instant (a Date or epoch milliseconds). An instant in the past
 * fires at once.
 *
 * @example
 * ```ts
 * await sleepUntil(new Date(input.deliverAt));
 * ```
 */
export const sleepUntil: Effect<SleepUntilEffect> = stampedEffect<SleepUntilEffect>(
  "sleepUntil",
  (host, cursor, [until]) => {
    const at = until instanceof Date ? until.getTime() : until;
    if (typeof at !== "number" || !Number.isFinite(at)) {
      throw new InvalidEffectArgumentError(
        "sleepUntil",
        "until",
        `must be a valid Date or epoch milliseconds, got ${describeValue(until)}`,
        "pass a Date built from workflow input or now(), never new Date() without arguments",
      );
    }
    return host.timer(cursor, { until: at });
  },
);
