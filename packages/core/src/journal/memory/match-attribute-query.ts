import type { AttributeCondition } from "../../model/attribute-query.ts";
import type { Encoded } from "../../model/payload.ts";
import { isIsoInstant } from "../../workflow/search-attributes.ts";
import { jsonbContains } from "./jsonb-contains.ts";

// The memory journal's reading of a typed attribute query, condition by condition what the SQL
// journal does (attribute-query-sql.ts): equality and membership are jsonb containment, ranges
// compare numbers with numbers and ISO instants as instants, prefixes apply to strings only.

type Attributes = Readonly<Record<string, Encoded>>;

function inRange(value: Encoded | undefined, c: Extract<AttributeCondition, { kind: "range" }>): boolean {
  const bounds = [c.gt, c.gte, c.lt, c.lte].filter((b) => b !== undefined);
  const numeric = typeof bounds[0] === "number";
  let x: number;
  if (numeric) {
    if (typeof value !== "number") return false;
    x = value;
  } else {
    if (!isIsoInstant(value)) return false;
    x = Date.parse(value);
  }
  const at = (b: number | string): number => (typeof b === "number" ? b : Date.parse(b));
  return (
    (c.gt === undefined || x > at(c.gt)) &&
    (c.gte === undefined || x >= at(c.gte)) &&
    (c.lt === undefined || x < at(c.lt)) &&
    (c.lte === undefined || x <= at(c.lte))
  );
}

/** Whether a run's `attributes` satisfy `condition` (a checked query). */
export function matchesAttributeQuery(attributes: Attributes, condition: AttributeCondition): boolean {
  switch (condition.kind) {
    case "and":
      return condition.conditions.every((c) => matchesAttributeQuery(attributes, c));
    case "or":
      return condition.conditions.some((c) => matchesAttributeQuery(attributes, c));
    case "eq":
      return jsonbContains(attributes as Encoded, { [condition.name]: condition.value });
    case "in":
      return condition.values.some((v) => jsonbContains(attributes as Encoded, { [condition.name]: v }));
    case "contains":
      return jsonbContains(attributes as Encoded, { [condition.name]: [condition.value] });
    case "containsAny":
      return condition.values.some((v) => jsonbContains(attributes as Encoded, { [condition.name]: [v] }));
    case "range":
      return inRange(
        Object.hasOwn(attributes, condition.name) ? attributes[condition.name] : undefined,
        condition,
      );
    case "prefix": {
      const value = Object.hasOwn(attributes, condition.name) ? attributes[condition.name] : undefined;
      return typeof value === "string" && value.startsWith(condition.value);
    }
    default: {
      const unknown: never = condition;
      throw new Error(`unknown condition ${JSON.stringify(unknown)}`);
    }
  }
}

/** jsonb's order of types: null < string < number < boolean < array < object. */
function rank(value: Encoded | undefined): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === "string") return 1;
  if (typeof value === "number") return 2;
  if (typeof value === "boolean") return 3;
  return Array.isArray(value) ? 4 : 5;
}

/**
 * PostgreSQL's jsonb order for scalar values (an absent attribute is jsonb null, the lowest):
 * what `ORDER BY attributes_search -> name` gives. Strings compare by code unit, as the
 * journal's C collation does.
 */
export function compareAttributeValues(a: Encoded | undefined, b: Encoded | undefined): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  const sa = JSON.stringify(a ?? null);
  const sb = JSON.stringify(b ?? null);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
