/**
 * A typed query over runs' search attributes: a tree of conditions, built with {@link attr},
 * {@link allOf} and {@link anyOf} (or written as plain objects), passed as `list({ where })`.
 * There is no string syntax: names and values travel as data, names are checked
 * (`CTM_INVALID_ATTRIBUTE_QUERY`) and values are bound parameters in SQL.
 *
 * Values by declared type: `keyword`/`text` take strings, `int`/`double` numbers, `bool`
 * booleans, `datetime` ISO 8601 instants with their offset (`"2026-12-07T03:00:00Z"`),
 * `keyword[]` is queried with `contains`/`containsAny`.
 */
export type AttributeCondition =
  | { readonly kind: "eq"; readonly name: string; readonly value: AttributeScalar }
  | {
      readonly kind: "range";
      readonly name: string;
      readonly gt?: AttributeBound;
      readonly gte?: AttributeBound;
      readonly lt?: AttributeBound;
      readonly lte?: AttributeBound;
    }
  | { readonly kind: "prefix"; readonly name: string; readonly value: string }
  | { readonly kind: "in"; readonly name: string; readonly values: readonly AttributeScalar[] }
  | { readonly kind: "contains"; readonly name: string; readonly value: string }
  | { readonly kind: "containsAny"; readonly name: string; readonly values: readonly string[] }
  | { readonly kind: "and"; readonly conditions: readonly AttributeCondition[] }
  | { readonly kind: "or"; readonly conditions: readonly AttributeCondition[] };

/** A value an attribute can equal: a keyword, text, number or boolean. */
export type AttributeScalar = string | number | boolean;

/** A range bound: a number (`int`, `double`) or an ISO 8601 instant (`datetime`). */
export type AttributeBound = number | string;

/**
 * How `list({ where })` orders its pages: by start time (the default, newest first) or by an
 * attribute's value (runs without it come last in `desc`, first in `asc`); ties are broken by
 * start order, so keyset pages never skip or repeat a run.
 */
export type RunOrder =
  | { readonly by: "startTime"; readonly direction?: OrderDirection }
  | { readonly by: "attribute"; readonly attribute: string; readonly direction?: OrderDirection };

/** Ascending or descending. */
export type OrderDirection = "asc" | "desc";

/** A condition with `and`/`or` chaining, as {@link attr} returns it. */
export type AttributeQuery = AttributeCondition & {
  /** This condition and all of `others`. */
  and(...others: readonly AttributeCondition[]): AttributeQuery;
  /** This condition or any of `others`. */
  or(...others: readonly AttributeCondition[]): AttributeQuery;
};

function chainable(condition: AttributeCondition): AttributeQuery {
  return Object.assign(Object.create(methods) as object, condition) as AttributeQuery;
}

const methods = {
  and(this: AttributeCondition, ...others: readonly AttributeCondition[]): AttributeQuery {
    return allOf(strip(this), ...others);
  },
  or(this: AttributeCondition, ...others: readonly AttributeCondition[]): AttributeQuery {
    return anyOf(strip(this), ...others);
  },
};

/** The plain-data copy of a condition (own enumerable fields only). */
function strip(condition: AttributeCondition): AttributeCondition {
  return { ...condition };
}

/** All of `conditions` (AND). */
export function allOf(...conditions: readonly AttributeCondition[]): AttributeQuery {
  return chainable({ kind: "and", conditions: conditions.map(strip) });
}

/** Any of `conditions` (OR). */
export function anyOf(...conditions: readonly AttributeCondition[]): AttributeQuery {
  return chainable({ kind: "or", conditions: conditions.map(strip) });
}

/** Conditions on one attribute, returned by {@link attr}. */
export interface AttributeRef {
  /** Equal to `value` (keyword, text, int, double, bool; a datetime matches its exact string). */
  eq(value: AttributeScalar): AttributeQuery;
  /** Greater than `bound` (int, double, datetime). */
  gt(bound: AttributeBound): AttributeQuery;
  /** Greater than or equal to `bound` (int, double, datetime). */
  gte(bound: AttributeBound): AttributeQuery;
  /** Less than `bound` (int, double, datetime). */
  lt(bound: AttributeBound): AttributeQuery;
  /** Less than or equal to `bound` (int, double, datetime). */
  lte(bound: AttributeBound): AttributeQuery;
  /** Between `low` and `high`, both included (int, double, datetime). */
  between(low: AttributeBound, high: AttributeBound): AttributeQuery;
  /** Starts with `prefix` (keyword, text). */
  startsWith(prefix: string): AttributeQuery;
  /** Equal to one of `values` (keyword, int, ...). */
  in(values: readonly AttributeScalar[]): AttributeQuery;
  /** A `keyword[]` attribute that holds `value`. */
  contains(value: string): AttributeQuery;
  /** A `keyword[]` attribute that holds at least one of `values`. */
  containsAny(values: readonly string[]): AttributeQuery;
}

/**
 * Starts a condition on attribute `name`.
 *
 * @example
 * ```ts
 * import { attr, anyOf } from "@continuum/core";
 * const page = await client.list({
 *   where: attr("customer").eq("c-42").and(attr("total").gte(100), anyOf(attr("tags").contains("vip"), attr("region").in(["eu", "uk"]))),
 *   orderBy: { by: "attribute", attribute: "total", direction: "desc" },
 *   limit: 50,
 * });
 * const next = page.next && (await client.list({ where, orderBy, limit: 50, after: page.next }));
 * ```
 */
export function attr(name: string): AttributeRef {
  return {
    eq: (value) => chainable({ kind: "eq", name, value }),
    gt: (gt) => chainable({ kind: "range", name, gt }),
    gte: (gte) => chainable({ kind: "range", name, gte }),
    lt: (lt) => chainable({ kind: "range", name, lt }),
    lte: (lte) => chainable({ kind: "range", name, lte }),
    between: (gte, lte) => chainable({ kind: "range", name, gte, lte }),
    startsWith: (value) => chainable({ kind: "prefix", name, value }),
    in: (values) => chainable({ kind: "in", name, values: [...values] }),
    contains: (value) => chainable({ kind: "contains", name, value }),
    containsAny: (values) => chainable({ kind: "containsAny", name, values: [...values] }),
  };
}
