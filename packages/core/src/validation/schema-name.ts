import { InvalidSchemaNameError } from "../errors/validation-errors.ts";
import { describeValue } from "./text.ts";

/** The schema a Continuum instance lives in when none is named. */
export const DEFAULT_SCHEMA = "continuum";

/** Longest schema name: its hint channels (`<schema>_timer_set`) must fit PostgreSQL's 63 bytes. */
export const maxSchemaNameLength = 48;

/**
 * PostgreSQL's reserved key words (`pg_get_keywords()` categories R and T): a schema named like
 * one of them would need quoting wherever a person types it, so it is refused.
 */
const reservedWords = new Set(
  (
    "all analyse analyze and any array as asc asymmetric authorization binary both case cast check " +
    "collate collation column concurrently constraint create cross current_catalog current_date " +
    "current_role current_schema current_time current_timestamp current_user default deferrable desc " +
    "distinct do else end except false fetch for foreign freeze from full grant group having ilike in " +
    "initially inner intersect into is isnull join lateral leading left like limit localtime " +
    "localtimestamp natural not notnull null offset on only or order outer overlaps placing primary " +
    "references returning right select session_user similar some symmetric table tablesample then to " +
    "trailing true union unique user using variadic verbose when where window with"
  ).split(" "),
);

/** Why `value` cannot name a Continuum instance's schema, or undefined when it can. */
export function schemaNameProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return `must be a string, not ${value === null ? "null" : typeof value}`;
  if (value.length === 0) return "must not be empty";
  if (value.length > maxSchemaNameLength)
    return `must be at most ${maxSchemaNameLength} characters, has ${value.length}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(value))
    return "must be a plain lower-case identifier (a-z, 0-9 and _, not starting with a digit)";
  if (reservedWords.has(value)) return "is a reserved word of PostgreSQL";
  if (value.startsWith("pg_") || value === "information_schema")
    return "is reserved for PostgreSQL's own schemas";
  return undefined;
}

/**
 * Returns the schema name to use: `value` when given and valid, the default `continuum` when
 * undefined; throws `InvalidSchemaNameError` (CTM_INVALID_SCHEMA_NAME) naming `source` otherwise.
 *
 * @example
 * ```ts
 * const schema = checkSchemaName(process.env.CONTINUUM_SCHEMA, "CONTINUUM_SCHEMA"); // "continuum" when unset
 * ```
 */
export function checkSchemaName(value: unknown, source = "schema"): string {
  if (value === undefined) return DEFAULT_SCHEMA;
  const problem = schemaNameProblem(value);
  if (problem !== undefined) throw new InvalidSchemaNameError(source, problem, describeValue(value));
  return value as string;
}
