import type { Kysely } from "kysely";
import { sql, type SqlTemplate } from "./sql-template.ts";
import type { NotifyTopic } from "../notifier.ts";
import { channelOf } from "./instance-schema.ts";
import { MAX_INSTANT_MS, storableDelay } from "../instant-limits.ts";

/**
 * Anything queries run on: the journal's Kysely or a transaction of it. The journal addresses
 * its tables through `sql` templates (one file per hot query, SQL in plain sight), so the
 * database type parameter carries nothing and any app's Kysely instance is accepted.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: no typed tables
export type SqlExecutor = Kysely<any>;

/** The database clock (continuum.now(): transaction time in ms, plus the test-only offset). */
export const dbNow: SqlTemplate<Date> = sql<Date>`continuum.now()`;

/** The run statuses after which nothing changes, as a SQL list for `IN`. */
export const terminalList: SqlTemplate<unknown> = sql.raw(
  `('completed', 'failed', 'cancelled', 'continued')`,
);

/**
 * A value as a json parameter: the exact text JSON.stringify gives, so it reads back verbatim.
 * Cast through text so that neither pg (which turns JS arrays into Postgres arrays) nor PGlite
 * (which re-serializes json parameters) reinterprets it. `undefined` becomes SQL NULL.
 */
export function json(value: unknown): SqlTemplate<unknown> {
  return value === undefined ? sql`NULL::json` : sql`${JSON.stringify(value)}::text::json`;
}

/** A value as a jsonb parameter, for containment searches (`@>`). */
export function jsonbSearch(value: unknown): SqlTemplate<unknown> {
  return sql`${JSON.stringify(value)}::text::jsonb`;
}

/** A duration in whole milliseconds as an interval. */
export function msInterval(ms: number): SqlTemplate<unknown> {
  return sql`(${Math.round(ms)}::bigint * interval '1 millisecond')`;
}

/** An absolute epoch-ms instant as a timestamptz, without float rounding. */
export function fromEpochMs(ms: number): SqlTemplate<Date> {
  return sql<Date>`(timestamptz 'epoch' + ${Math.round(ms)}::bigint * interval '1 millisecond')`;
}

/** {@link MAX_INSTANT_MS} as a timestamptz. */
export const maxInstant: SqlTemplate<Date> = sql<Date>`(timestamptz 'epoch' + ${MAX_INSTANT_MS}::bigint * interval '1 millisecond')`;

/**
 * The journal clock plus `ms`, clamped like the memory journal (see instant-limits.ts): no
 * interval or timestamp overflow, whatever the duration. NaN throws InvalidDurationError.
 */
export function dbNowPlus(what: string, ms: number): SqlTemplate<Date> {
  return sql<Date>`LEAST(${dbNow} + ${msInterval(storableDelay(what, ms))}, ${maxInstant})`;
}

/**
 * `base` plus the ms duration stored under `field` in a task's `options` json, clamped like
 * {@link dbNowPlus} (NULL when the option is absent, which LEAST then ignores).
 */
export function plusOptionMs(
  base: SqlTemplate<Date>,
  field: "startToCloseMs" | "heartbeatTimeoutMs",
): SqlTemplate<Date> {
  return sql<Date>`LEAST(${base} + LEAST((options->>${field})::numeric, ${MAX_INSTANT_MS}::numeric)::bigint * interval '1 millisecond', ${maxInstant})`;
}

/** `(a, b, c)` for a non-empty list of parameters. */
export function inList(values: readonly unknown[]): SqlTemplate<unknown> {
  return sql`(${sql.join(values.map((v) => sql`${v}`))})`;
}

export { channelOf } from "./instance-schema.ts";

/**
 * Publishes hints from inside the caller's transaction: Postgres delivers them only if and
 * when that transaction commits, so a listener never wakes up for work it cannot see yet.
 * Payloads are ids only.
 */
export async function notify(db: SqlExecutor, topic: NotifyTopic, ids: readonly string[]): Promise<void> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return;
  await sql`SELECT pg_notify(${channelOf(topic)}, id) FROM (VALUES ${sql.join(unique.map((id) => sql`(${id}::text)`))}) AS v(id)`.execute(
    db,
  );
}

/** Epoch ms of a timestamp read from the database (pg and PGlite both return Date). */
export function toMs(value: Date | string | number): number {
  return value instanceof Date
    ? value.getTime()
    : typeof value === "number"
      ? value
      : new Date(value).getTime();
}

/** Epoch ms of a nullable timestamp column. */
export function toMsOrUndefined(value: Date | string | number | null | undefined): number | undefined {
  return value === null || value === undefined ? undefined : toMs(value);
}

/**
 * Runs `work` in a transaction: a new one, or the caller's when `db` already is one (a journal
 * bound with bindTransaction), so the work commits or rolls back with the caller's writes.
 */
export function inTransaction<T>(db: SqlExecutor, work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}
