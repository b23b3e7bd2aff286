import { InvalidCursorError } from "../errors/validation-errors.ts";
import { Limits } from "./limits.ts";
import { checkOptionalNumber } from "./numbers.ts";
import { describeValue } from "./text.ts";

// A page cursor is the creation order of the last run of the previous page, written in
// decimal. Journals treat it as opaque; this is the one place that knows its shape, so a
// garbage cursor is refused instead of silently meaning "the first page".
const cursorPattern = /^(0|[1-9][0-9]{0,15})$/;

/**
 * Checks a `list()` page request: `limit` an integer from 1 to {@link Limits.maxPageSize},
 * `after` a cursor a previous page returned. Throws `InvalidNumberError` / `InvalidCursorError`.
 *
 * @example
 * ```ts
 * checkPageRequest(filter.limit, filter.after);
 * ```
 */
export function checkPageRequest(limit: unknown, after: unknown): void {
  checkOptionalNumber(limit, "list limit", { min: 1, max: Limits.maxPageSize, integer: true });
  if (after === undefined) return;
  if (typeof after !== "string" || !cursorPattern.test(after) || !Number.isSafeInteger(Number(after)))
    throw new InvalidCursorError(describeValue(after));
}
