import { sql, type SqlTemplate } from "./sql-template.ts";
import { DEFAULT_SCHEMA } from "../../validation/schema-name.ts";
import type { NotifyTopic } from "../notifier.ts";

// One Continuum instance is one PostgreSQL schema. Every statement of the journal, of the
// migrations and of the test kit is written against `continuum.<table>` (and its functions,
// `continuum.now()` and the like); an instance with another schema gets the same text mapped
// here, once per distinct text, on its way to the driver (see schema-dialect.ts). The default
// instance maps nothing: its SQL is byte for byte what the files say.

/**
 * What is instance-specific in a statement's text, in one pattern (one pass, left to right):
 * - `continuum.` and `"continuum".` (tables, functions, sequences; also inside string literals
 *   such as `to_regclass('continuum.schema_migrations')` and the partition maker's lock key);
 * - `'continuum_` (a hint channel literal, see {@link channelOf});
 * - `SCHEMA IF NOT EXISTS continuum` (the first migration);
 * - `hashtext(` (every advisory-lock key is a hashtext: prefixing the instance keeps two
 *   instances from serialising on each other's workflow ids, queues and migrations).
 */
const instanceSpecific =
  /"continuum"\.|\bcontinuum\.|'continuum_|(SCHEMA IF NOT EXISTS )continuum\b|\bhashtext\(/g;

/** Texts mapped so far, per schema: hot statements repeat, so a map costs one lookup after the first. */
const mappedTexts = new Map<string, Map<string, string>>();
const maxMappedTexts = 10_000;

/**
 * Maps a statement written for the default schema to instance `schema` (a name already checked
 * by `checkSchemaName`). Memoized per text; the default schema returns `text` itself.
 *
 * @example
 * ```ts
 * schemaSql("SELECT * FROM continuum.runs", "billing"); // 'SELECT * FROM "billing".runs'
 * ```
 */
export function schemaSql(text: string, schema: string): string {
  if (schema === DEFAULT_SCHEMA) return text;
  let texts = mappedTexts.get(schema);
  if (texts === undefined) {
    texts = new Map();
    mappedTexts.set(schema, texts);
  }
  let mapped = texts.get(text);
  if (mapped === undefined) {
    mapped = text.replace(instanceSpecific, (match, createSchema: string | undefined) => {
      if (createSchema !== undefined) return `${createSchema}"${schema}"`;
      if (match === "'continuum_") return `'${schema}_`;
      if (match === "hashtext(") return `hashtext(text '${schema}:' || `;
      return `"${schema}".`;
    });
    if (texts.size >= maxMappedTexts) texts.clear();
    texts.set(text, mapped);
  }
  return mapped;
}

/**
 * The LISTEN/NOTIFY channel of one hint topic in instance `schema`: `continuum_run_ready` for
 * the default instance, `<schema>_run_ready` for another, so two instances never hear each
 * other (topic names are never a `_`-suffix of one another, so these cannot collide).
 */
export function channelName(topic: NotifyTopic, schema: string = DEFAULT_SCHEMA): string {
  return `${schema}_${topic}`;
}

/**
 * The channel of `topic` as a SQL literal (`'continuum_run_ready'`), for `pg_notify` in the
 * journal's statements: a literal rather than a parameter, so the instance mapping (see
 * {@link schemaSql}) finds it in the text.
 */
export function channelOf(topic: NotifyTopic): SqlTemplate<string> {
  return sql.lit(channelName(topic));
}
