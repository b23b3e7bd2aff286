import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { MigrationFailedError } from "../../errors/index.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import { splitSqlStatements } from "./split-sql.ts";
import { schemaSql } from "./instance-schema.ts";
import { DEFAULT_SCHEMA } from "../../validation/schema-name.ts";

/** One numbered, forward-only migration file. */
export interface Migration {
  readonly version: number;
  /** File name without `.sql`, e.g. `0001_initial`. */
  readonly name: string;
  readonly sql: string;
  /** sha256 of the file, recorded when applied so an edited released migration is caught. */
  readonly checksum: string;
}

/** What `migrate` did. */
export interface MigrateResult {
  /** Names of the migrations this call applied (empty when the schema was current). */
  readonly applied: string[];
  /** Schema version after the call. */
  readonly version: number;
}

// Any constant works as long as every Continuum process uses the same one.
const MIGRATION_LOCK_KEY = 7_245_310_981_406_001;

/**
 * The migration lock of instance `schema`: the default keeps the key every released version
 * takes (so old and new processes still queue on one lock); another instance takes a two-key
 * lock (a separate key space) that the instance mapping makes its own (`hashtext` is prefixed
 * with the schema), so instances migrate side by side without waiting for each other.
 */
function migrationLock(schema: string): string {
  return schema === DEFAULT_SCHEMA
    ? `SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`
    : "SELECT pg_advisory_xact_lock(hashtext('continuum.schema_migrations'), 1)";
}

/**
 * Finds the migrations folder at run time, relative to this module. Built, this module is
 * dist/journal/sql/migrator.js and the build copied the migrations to dist/migrations (that is
 * what an installed package has); run from source in the repository, it reads the top-level
 * migrations/ where the DDL is written. The two paths never overlap, so a stale copy in dist
 * cannot shadow the source of truth during development.
 */
export function migrationsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "../../migrations"), join(here, "../../../../../migrations")];
  const found = candidates.find((dir) => existsSync(join(dir, "0001_initial.sql")));
  if (found === undefined) {
    throw new MigrationFailedError(
      0,
      "(none)",
      `no migrations folder found (looked in ${candidates.join(", ")})`,
    );
  }
  return found;
}

/** Reads every `NNNN_name.sql` file, in version order. */
export function loadMigrations(dir: string = migrationsDir()): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), "utf8");
      return {
        version: Number(file.slice(0, 4)),
        name: file.slice(0, -4),
        sql: text,
        checksum: createHash("sha256").update(text).digest("hex"),
      };
    });
}

/** The version the code in this package needs (the highest migration it ships). */
export function requiredSchemaVersion(migrations: readonly Migration[] = loadMigrations()): number {
  return migrations.at(-1)?.version ?? 0;
}

/**
 * Every migration as one SQL script, for `continuum migrate --print` (review it, or apply it
 * with your own tooling; it records itself in continuum.schema_migrations like `migrate` does),
 * written for instance `schema` (default `continuum`).
 */
export function migrationSql(
  migrations: readonly Migration[] = loadMigrations(),
  schema: string = DEFAULT_SCHEMA,
): string {
  const script = migrations
    .map((m) =>
      [
        `-- ${m.name}`,
        "BEGIN;",
        `${migrationLock(schema)};`,
        m.sql.trim(),
        `INSERT INTO continuum.schema_migrations (version, name, checksum) VALUES (${m.version}, '${m.name}', '${m.checksum}');`,
        "COMMIT;",
        "",
      ].join("\n"),
    )
    .join("\n");
  return schemaSql(script, schema);
}

/** Versions already applied, with their checksums (empty on a fresh database). */
export async function appliedMigrations(db: SqlExecutor): Promise<Map<number, string>> {
  const exists = await sql<{ present: boolean }>`
    SELECT to_regclass('continuum.schema_migrations') IS NOT NULL AS present`.execute(db);
  if (exists.rows[0]?.present !== true) return new Map();
  const rows = await sql<{ version: number; checksum: string }>`
    SELECT version, checksum FROM continuum.schema_migrations ORDER BY version`.execute(db);
  return new Map(rows.rows.map((r) => [Number(r.version), r.checksum]));
}

/**
 * Applies the pending migrations in order, each in its own transaction that first takes a
 * transaction-scoped advisory lock: processes that boot together queue on the lock, and each
 * one re-reads the bookkeeping table after getting it, so every migration is applied once.
 * `db` decides the instance (a Kysely built by openJournal/openPglite maps `continuum.` to its
 * schema); pass the same `schema` here so the lock is that instance's own.
 *
 * @example
 * ```ts
 * const { applied } = await migrate(db); // at app boot, before starting engines
 * ```
 */
export async function migrate(
  db: SqlExecutor,
  migrations: readonly Migration[] = loadMigrations(),
  schema: string = DEFAULT_SCHEMA,
): Promise<MigrateResult> {
  const appliedNow: string[] = [];
  for (const migration of migrations) {
    const didApply = await db.transaction().execute(async (tx) => {
      await sql.raw(migrationLock(schema)).execute(tx);
      const applied = await appliedMigrations(tx);
      const checksum = applied.get(migration.version);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new MigrationFailedError(
            migration.version,
            migration.name,
            "the file changed after it was applied (checksum mismatch)",
          );
        }
        return false;
      }
      for (const statement of splitSqlStatements(migration.sql)) {
        try {
          await sql.raw(statement).execute(tx);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw new MigrationFailedError(
            migration.version,
            migration.name,
            `${reason} (in: ${statement.slice(0, 120)})`,
            error,
          );
        }
      }
      await sql`INSERT INTO continuum.schema_migrations (version, name, checksum)
                VALUES (${migration.version}, ${migration.name}, ${migration.checksum})`.execute(tx);
      return true;
    });
    if (didApply) appliedNow.push(migration.name);
  }
  return { applied: appliedNow, version: requiredSchemaVersion(migrations) };
}
