import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect, PostgresDialect } from "kysely";
import pg from "pg";
import type { Journal } from "../journal.ts";
import type { Notifier } from "../notifier.ts";
import { keepPoolAlive, openPglite, redactUrl } from "./connect-database.ts";
import { loadMigrations, migrate } from "./migrator.ts";
import { continuumSchemaDialect } from "./schema-dialect.ts";
import { DEFAULT_SCHEMA } from "../../validation/schema-name.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import { createSqlJournal } from "./sql-journal.ts";
import { advanceTestClock } from "./test-clock.ts";
import { createScratchDatabase } from "./scratch-database.ts";

/** Where a test database lives: embedded PGlite in memory, or a fresh database on a server. */
export type TestDatabaseSpec = (
  | { readonly kind: "pglite" }
  | {
      readonly kind: "postgres";
      /** A server to create the database on (its own database is only used to CREATE/DROP). */
      readonly url: string;
    }
) & {
  /** The instance's schema (checked by the caller); default `continuum`. */
  readonly schema?: string;
};

/**
 * A migrated SQL journal in a database created for one test environment and thrown away at
 * `dispose()`. Only this object can move the journal's clock ({@link advanceClock}): the test
 * clock is never written to a database the test kit did not create itself.
 */
export interface TestDatabase {
  readonly journal: Journal;
  /** Where it is, for messages (never with a password). */
  readonly target: string;
  /** The database's connection string (PostgreSQL only), for other processes of a test. */
  readonly url?: string;
  /** Moves `continuum.now()` forward by `ms` for every connection to this database. */
  advanceClock(ms: number): Promise<void>;
  /** Closes the journal, then drops the database (PostgreSQL) or closes PGlite. */
  dispose(): Promise<void>;
}

/** The test kit drives engines itself: no LISTEN connection, polling is the source of truth. */
const silentNotifier: Notifier = { subscribe: () => () => {}, close: async () => {} };

/**
 * Creates a {@link TestDatabase}: a fresh in-memory PGlite, or a uniquely named database
 * (`ctm_test_<random>`) on the PostgreSQL server at `url`, migrated to the current schema.
 *
 * @example
 * ```ts
 * const database = await openTestDatabase({ kind: "postgres", url: process.env.TEST_DATABASE_URL! });
 * try { await database.journal.startRun(...); } finally { await database.dispose(); }
 * ```
 */
export async function openTestDatabase(spec: TestDatabaseSpec): Promise<TestDatabase> {
  const schema = spec.schema ?? DEFAULT_SCHEMA;
  return spec.kind === "pglite" ? openPgliteTestDatabase(schema) : openServerTestDatabase(spec.url, schema);
}

/**
 * A migrated, empty PGlite data directory, made once per process: each environment starts
 * from a copy of it (well under a second) instead of a new cluster plus migrations (seconds).
 */
const pgliteTemplates = new Map<string, Promise<Blob>>();

function migratedPgliteTemplate(schema: string): Promise<Blob> {
  let template = pgliteTemplates.get(schema);
  if (template === undefined) {
    template = (async () => {
      const embedded = await openPglite("memory://", undefined, schema);
      try {
        await migrate(embedded.db, loadMigrations(), schema);
        return await embedded.pglite.dumpDataDir("none");
      } finally {
        await embedded.close();
      }
    })().catch((error: unknown) => {
      pgliteTemplates.delete(schema);
      throw error;
    });
    pgliteTemplates.set(schema, template);
  }
  return template;
}

async function openPgliteTestDatabase(schema: string): Promise<TestDatabase> {
  const pglite = new PGlite({ loadDataDir: await migratedPgliteTemplate(schema) });
  await pglite.waitReady;
  const db: SqlExecutor = new Kysely<Record<string, never>>({
    dialect: continuumSchemaDialect(new PGliteDialect({ pglite }), schema),
  });
  const close = async (): Promise<void> => {
    await db.destroy();
    if (!pglite.closed) await pglite.close();
  };
  return onDatabase(db, "memory:// (test)", undefined, close);
}

async function openServerTestDatabase(serverUrl: string, schema: string): Promise<TestDatabase> {
  const scratch = await createScratchDatabase(serverUrl, "test");
  const url = new URL(scratch.url);
  // Test data only: no fsync wait per commit (crash durability of the server is not under test).
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: 5,
    options: "-c synchronous_commit=off",
  });
  keepPoolAlive(pool);
  const db: SqlExecutor = new Kysely<Record<string, never>>({
    dialect: continuumSchemaDialect(new PostgresDialect({ pool }), schema),
  });
  const drop = async (): Promise<void> => {
    await db.destroy();
    await scratch.drop();
  };
  try {
    await migrate(db, loadMigrations(), schema);
  } catch (error) {
    await drop();
    throw error;
  }
  return onDatabase(db, `${redactUrl(url.toString())} (test)`, url.toString(), drop);
}

function onDatabase(
  db: SqlExecutor,
  target: string,
  url: string | undefined,
  close: () => Promise<void>,
): TestDatabase {
  const journal = createSqlJournal(db, { notifier: silentNotifier, target });
  let disposed: Promise<void> | undefined;
  return {
    journal,
    target,
    ...(url === undefined ? {} : { url }),
    advanceClock: (ms) => advanceTestClock(db, ms),
    dispose() {
      disposed ??= journal.close().then(close);
      return disposed;
    },
  };
}
