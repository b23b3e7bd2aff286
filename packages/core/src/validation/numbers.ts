import { InvalidNumberError } from "../errors/validation-errors.ts";
import { describeValue } from "./text.ts";

/** The range a number argument must fall in. */
export interface NumberRange {
  readonly min: number;
  readonly max: number;
  /** Whole numbers only. Default false. */
  readonly integer?: boolean;
}

/**
 * Returns `value` when it is a finite number in `range`, else throws `InvalidNumberError`
 * naming `what`. NaN, ±Infinity, strings and objects are refused: each would either never
 * settle a wait or reach the database as something it refuses.
 *
 * @example
 * ```ts
 * checkNumber(options.timeoutMs, "timeoutMs", { min: 0, max: Limits.maxWaitMs });
 * ```
 */
export function checkNumber(value: unknown, what: string, range: NumberRange): number {
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    (range.integer === true && !Number.isInteger(value)) ||
    value < range.min ||
    value > range.max
  ) {
    throw new InvalidNumberError(what, describeValue(value), expected(range));
  }
  return value;
}

/** {@link checkNumber} for an optional argument: `undefined` passes through. */
export function checkOptionalNumber(value: unknown, what: string, range: NumberRange): number | undefined {
  return value === undefined ? undefined : checkNumber(value, what, range);
}

function expected(range: NumberRange): string {
  const kind = range.integer === true ? "an integer" : "a finite number";
  return `${kind} from ${range.min} to ${range.max}`;
}
