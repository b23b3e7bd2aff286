import { InvalidAttributeQueryError, InvalidCursorError } from "../errors/validation-errors.ts";
import type { AttributeCondition, AttributeScalar, RunOrder } from "../model/attribute-query.ts";
import { isIsoInstant } from "../workflow/search-attributes.ts";
import { describeValue } from "./text.ts";
import { identifierProblem, IdentifierKind } from "./identifier.ts";

// Checked by both journals on the way in (list is a boundary of its own for the test kit), so a
// query that reaches SQL has names that passed the identifier rules and values of JSON types:
// names and values are bound parameters, never SQL text, and this keeps the plans index-friendly.

/** Most conditions in one query (leaves and groups). */
export const maxQueryConditions = 64;
/** Deepest nesting of `and`/`or` groups. */
export const maxQueryDepth = 8;
/** Most values in one `in` / `containsAny`. */
export const maxQueryValues = 100;
/** Longest string value in a query. */
export const maxQueryString = 1024;

/** The position of a run in an attribute order: the attribute's value (null when absent) and the start order. */
export type AttributeCursor = readonly [value: AttributeScalar | null, order: number];

/** The `next` cursor of a page ordered by an attribute. */
export function encodeAttributeCursor(value: unknown, order: number): string {
  const scalar = typeof value === "string" || typeof value === "number" || typeof value === "boolean";
  return JSON.stringify([scalar ? value : null, order]);
}

/** The cursor `after` of a page ordered by an attribute; throws CTM_INVALID_CURSOR. */
export function decodeAttributeCursor(after: string): AttributeCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(after);
  } catch {
    throw new InvalidCursorError(describeValue(after));
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    !(parsed[0] === null || ["string", "number", "boolean"].includes(typeof parsed[0])) ||
    !Number.isSafeInteger(parsed[1])
  )
    throw new InvalidCursorError(describeValue(after));
  return parsed as unknown as AttributeCursor;
}

function fail(path: string, problem: string): never {
  throw new InvalidAttributeQueryError(path, problem);
}

function checkName(path: string, name: unknown): void {
  if (typeof name !== "string") fail(`${path}.name`, "must be a string");
  const problem = identifierProblem(IdentifierKind.name, name);
  if (problem !== undefined) fail(`${path}.name`, `${JSON.stringify(name.slice(0, 48))} ${problem}`);
}

function checkScalar(path: string, value: unknown): void {
  if (typeof value === "string") {
    if (value.length > maxQueryString) fail(path, `is longer than ${maxQueryString} characters`);
  } else if (!(typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))))
    fail(path, `must be a string, a finite number or a boolean, not ${describeValue(value)}`);
}

function checkList(path: string, values: unknown, onlyStrings: boolean): void {
  if (!Array.isArray(values) || values.length === 0 || values.length > maxQueryValues)
    fail(path, `must be a list of 1 to ${maxQueryValues} values`);
  values.forEach((value: unknown, i) => {
    if (onlyStrings && typeof value !== "string") fail(`${path}[${i}]`, "must be a string (keyword)");
    checkScalar(`${path}[${i}]`, value);
  });
}

const bounds = ["gt", "gte", "lt", "lte"] as const;

function checkRange(path: string, c: Record<string, unknown>): void {
  const given = bounds.filter((b) => c[b] !== undefined);
  if (given.length === 0) fail(path, "needs at least one of gt, gte, lt, lte");
  const numeric = typeof c[given[0] as string] === "number";
  for (const b of given) {
    const v = c[b];
    if (numeric ? !(typeof v === "number" && Number.isFinite(v)) : !isIsoInstant(v))
      fail(
        `${path}.${b}`,
        'must be a finite number (int, double) or an ISO 8601 instant (datetime) like the other bounds, e.g. "2026-12-07T03:00:00Z"',
      );
  }
}

/**
 * Checks a `where` tree: its shape, every name (identifier rules) and value, and the size
 * limits. Throws `InvalidAttributeQueryError` (CTM_INVALID_ATTRIBUTE_QUERY) naming the path.
 *
 * @example
 * ```ts
 * checkAttributeQuery(attr("total").gte(100)); // fine
 * checkAttributeQuery({ kind: "eq", name: "x'; drop", value: 1 }); // throws CTM_INVALID_ATTRIBUTE_QUERY
 * ```
 */
export function checkAttributeQuery(where: unknown): AttributeCondition {
  let count = 0;
  const visit = (node: unknown, path: string, depth: number): void => {
    if (++count > maxQueryConditions) fail("where", `has more than ${maxQueryConditions} conditions`);
    if (typeof node !== "object" || node === null) fail(path, "must be a condition object");
    const c = node as Record<string, unknown>;
    const kind = c.kind as AttributeCondition["kind"];
    switch (kind) {
      case "and":
      case "or":
        if (depth >= maxQueryDepth) fail(path, `nests deeper than ${maxQueryDepth} groups`);
        if (!Array.isArray(c.conditions) || c.conditions.length === 0)
          fail(`${path}.conditions`, "must be a non-empty list of conditions");
        c.conditions.forEach((child: unknown, i) => visit(child, `${path}.conditions[${i}]`, depth + 1));
        return;
      case "eq":
        checkName(path, c.name);
        return checkScalar(`${path}.value`, c.value);
      case "range":
        checkName(path, c.name);
        return checkRange(path, c);
      case "prefix":
        checkName(path, c.name);
        if (typeof c.value !== "string" || c.value.length === 0 || c.value.length > maxQueryString)
          fail(`${path}.value`, `must be a non-empty string of at most ${maxQueryString} characters`);
        return;
      case "in":
        checkName(path, c.name);
        return checkList(`${path}.values`, c.values, false);
      case "contains":
        checkName(path, c.name);
        if (typeof c.value !== "string") fail(`${path}.value`, "must be a string (keyword)");
        return checkScalar(`${path}.value`, c.value);
      case "containsAny":
        checkName(path, c.name);
        return checkList(`${path}.values`, c.values, true);
      default: {
        const unknown: never = kind;
        fail(
          `${path}.kind`,
          `is ${describeValue(unknown)}; the kinds are eq, range, prefix, in, contains, containsAny, and, or`,
        );
      }
    }
  };
  visit(where, "where", 0);
  return where as AttributeCondition;
}

/** Checks `orderBy`; throws CTM_INVALID_ATTRIBUTE_QUERY. */
export function checkRunOrder(orderBy: unknown): RunOrder {
  if (typeof orderBy !== "object" || orderBy === null) fail("orderBy", "must be an object");
  const o = orderBy as Record<string, unknown>;
  if (o.direction !== undefined && o.direction !== "asc" && o.direction !== "desc")
    fail("orderBy.direction", 'must be "asc" or "desc"');
  if (o.by === "attribute") checkName("orderBy", o.attribute === undefined ? undefined : o.attribute);
  else if (o.by !== "startTime") fail("orderBy.by", 'must be "startTime" or "attribute"');
  return orderBy as RunOrder;
}
