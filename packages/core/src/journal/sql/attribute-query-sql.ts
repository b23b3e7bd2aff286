import { sql, type RawBuilder } from "kysely";
import type { AttributeCondition, AttributeScalar, RunOrder } from "../../model/attribute-query.ts";
import { decodeAttributeCursor } from "../../validation/attribute-query.ts";
import { jsonbSearch } from "./sql-fragments.ts";

// A checked attribute query as SQL over `continuum.runs r`. Names and values are always bound
// parameters: nothing of the query reaches the statement's text. Equality, `in`, ranges and
// prefixes go through the typed rows of continuum.run_attribute_values (btree indexes keyed by
// name, migration 0017); list membership and booleans are jsonb containment (GIN
// runs_attributes_idx). Read-only single statements: no locks.

/** Characters of a string prefix the str index holds (see migration 0017). */
const indexedPrefix = 200;

function contains(value: unknown): RawBuilder<unknown> {
  return sql`r.attributes_search @> ${jsonbSearch(value)}`;
}

function anyOfSql(parts: readonly RawBuilder<unknown>[]): RawBuilder<unknown> {
  return sql`(${sql.join(parts, sql` OR `)})`;
}

/**
 * Any of several containments. Planned as one OR, PostgreSQL gives up the GIN index (it does not
 * build a BitmapOr over jsonb_path_ops here, measured on 10,000 runs): as a UNION ALL of single
 * containments each arm is an index scan, and runs are then fetched by primary key.
 */
function containsAnyOf(values: readonly unknown[]): RawBuilder<unknown> {
  if (values.length === 1) return contains(values[0]);
  const arms = values.map(
    (value) => sql`SELECT m.run_id FROM continuum.runs m WHERE m.attributes_search @> ${jsonbSearch(value)}`,
  );
  return sql`r.run_id IN (${sql.join(arms, sql` UNION ALL `)})`;
}

function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

function rangeSql(c: Extract<AttributeCondition, { kind: "range" }>): RawBuilder<unknown> {
  const numeric = typeof [c.gt, c.gte, c.lt, c.lte].find((b) => b !== undefined) === "number";
  const column = numeric ? sql`v.num` : sql`v.at`;
  const bound = (b: number | string) => (numeric ? sql`${b}::double precision` : sql`${b}::timestamptz`);
  const parts = [
    ...(c.gt === undefined ? [] : [sql`${column} > ${bound(c.gt)}`]),
    ...(c.gte === undefined ? [] : [sql`${column} >= ${bound(c.gte)}`]),
    ...(c.lt === undefined ? [] : [sql`${column} < ${bound(c.lt)}`]),
    ...(c.lte === undefined ? [] : [sql`${column} <= ${bound(c.lte)}`]),
  ];
  return sql`r.run_id IN (SELECT v.run_id FROM continuum.run_attribute_values v
    WHERE v.name = ${c.name} AND ${column} IS NOT NULL AND ${sql.join(parts, sql` AND `)})`;
}

function prefixSql(name: string, prefix: string): RawBuilder<unknown> {
  const chars = Array.from(prefix);
  const head =
    chars.length < indexedPrefix
      ? sql`left(v.str, ${sql.lit(indexedPrefix)}) LIKE ${likePrefix(prefix)}`
      : sql`left(v.str, ${sql.lit(indexedPrefix)}) = ${chars.slice(0, indexedPrefix).join("")} AND v.str LIKE ${likePrefix(prefix)}`;
  return sql`r.run_id IN (SELECT v.run_id FROM continuum.run_attribute_values v
    WHERE v.name = ${name} AND v.str IS NOT NULL AND ${head})`;
}

function headOf(value: string): string {
  return Array.from(value).slice(0, indexedPrefix).join("");
}

/**
 * Equal to one of `values`. Strings and numbers go through the typed rows (their btrees have
 * statistics per value, so a rare customer is planned as the index lookup it is, where the GIN
 * index's fixed estimate had PostgreSQL walk runs in start order on 100,000 runs); booleans are
 * containment. Same answers: a string row exists only for a string value, a number row only for
 * a number, and double equality is number equality for the numbers JSON carries.
 */
function equalsAnyOf(name: string, values: readonly AttributeScalar[]): RawBuilder<unknown> {
  const strings = values.filter((v): v is string => typeof v === "string");
  const numbers = values.filter((v): v is number => typeof v === "number");
  const booleans = values.filter((v): v is boolean => typeof v === "boolean");
  const typed = (condition: RawBuilder<unknown>) =>
    sql`r.run_id IN (SELECT v.run_id FROM continuum.run_attribute_values v WHERE v.name = ${name} AND ${condition})`;
  const parts = [
    ...(strings.length === 0
      ? []
      : [
          typed(
            sql`v.str IS NOT NULL AND left(v.str, ${sql.lit(indexedPrefix)}) IN (${sql.join(strings.map(headOf))}) AND v.str IN (${sql.join(strings)})`,
          ),
        ]),
    ...(numbers.length === 0
      ? []
      : [typed(sql`v.num IN (${sql.join(numbers.map((n) => sql`${n}::double precision`))})`)]),
    ...(booleans.length === 0 ? [] : [containsAnyOf([...new Set(booleans)].map((b) => ({ [name]: b })))]),
  ];
  return parts.length === 1 ? parts[0]! : anyOfSql(parts);
}

/** The WHERE condition for a checked `where` tree. */
export function attributeQuerySql(c: AttributeCondition): RawBuilder<unknown> {
  switch (c.kind) {
    case "and":
      return sql`(${sql.join(c.conditions.map(attributeQuerySql), sql` AND `)})`;
    case "or":
      return anyOfSql(c.conditions.map(attributeQuerySql));
    case "eq":
      return equalsAnyOf(c.name, [c.value]);
    case "in":
      return equalsAnyOf(c.name, c.values);
    case "contains":
      return contains({ [c.name]: [c.value] });
    case "containsAny":
      return containsAnyOf(c.values.map((v) => ({ [c.name]: [v] })));
    case "range":
      return rangeSql(c);
    case "prefix":
      return prefixSql(c.name, c.value);
    default: {
      const unknown: never = c;
      throw new Error(`unknown condition ${JSON.stringify(unknown)}`);
    }
  }
}

/** ORDER BY, the keyset condition after `after`, and how to read a row's sort key. */
export interface RunOrderSql {
  readonly orderBy: RawBuilder<unknown>;
  readonly after?: RawBuilder<unknown>;
  /** The attribute ordered by (its value goes into the next cursor), if any. */
  readonly attribute?: string;
}

/** The order of a page: start order, or an attribute's jsonb value then start order. */
export function runOrderSql(order: RunOrder | undefined, after: string | undefined): RunOrderSql {
  const desc = order?.direction !== "asc";
  const dir = desc ? sql`DESC` : sql`ASC`;
  const cmp = desc ? sql`<` : sql`>`;
  if (order?.by !== "attribute") {
    const position = after === undefined ? Number.NaN : Number(after);
    return {
      orderBy: sql`r.created_order ${dir}`,
      ...(Number.isFinite(position) ? { after: sql`r.created_order ${cmp} ${position}` } : {}),
    };
  }
  const key = sql`COALESCE(r.attributes_search -> ${order.attribute}, 'null'::jsonb)`;
  const cursor = after === undefined ? undefined : decodeAttributeCursor(after);
  return {
    orderBy: sql`${key} ${dir}, r.created_order ${dir}`,
    attribute: order.attribute,
    ...(cursor === undefined
      ? {}
      : { after: sql`(${key}, r.created_order) ${cmp} (${jsonbSearch(cursor[0])}, ${cursor[1]}::bigint)` }),
  };
}
