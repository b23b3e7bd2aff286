import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect, PostgresDialect } from "kysely";
import pg from "pg";
import { DatabaseUnavailableError } from "../../errors/index.ts";
import type { Journal } from "../journal.ts";
import type { Notifier } from "../notifier.ts";
import { keepPoolAlive, openPglite, redactUrl } from "./connect-database.ts";
import { migrate } from "./migrator.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import { createSqlJournal } from "./sql-journal.ts";
import { advanceTestClock } from "./test-clock.ts";

/** Where a test database lives: embedded PGlite in memory, or a fresh database on a server. */
export type TestDatabaseSpec =
  | { readonly kind: "pglite" }
  | {
      readonly kind: "postgres";
      /** A server to create the database on (its own database is only used to CREATE/DROP). */
      readonly url: string;
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
  return spec.kind === "pglite" ? openPgliteTestDatabase() : openServerTestDatabase(spec.url);
}

/**
 * A migrated, empty PGlite data directory, made once per process: each environment starts
 * from a copy of it (well under a second) instead of a new cluster plus migrations (seconds).
 */
let pgliteTemplate: Promise<Blob> | undefined;

function migratedPgliteTemplate(): Promise<Blob> {
  pgliteTemplate ??= (async () => {
    const embedded = await openPglite("memory://");
    try {
      await migrate(embedded.db);
      return await embedded.pglite.dumpDataDir("none");
    } finally {
      await embedded.close();
    }
  })().catch((error: unknown) => {
    pgliteTemplate = undefined;
    throw error;
  });
  return pgliteTemplate;
}

async function openPgliteTestDatabase(): Promise<TestDatabase> {
  const pglite = new PGlite({ loadDataDir: await migratedPgliteTemplate() });
  await pglite.waitReady;
  const db: SqlExecutor = new Kysely<Record<string, never>>({ dialect: new PGliteDialect({ pglite }) });
  const close = async (): Promise<void> => {
    await db.destroy();
    if (!pglite.closed) await pglite.close();
  };
  return onDatabase(db, "memory:// (test)", undefined, close);
}

async function openServerTestDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `ctm_test_${process.pid}_${randomBytes(5).toString("hex")}`;
  const admin = async (statement: string): Promise<void> => {
    const client = new pg.Client({ connectionString: serverUrl });
    try {
      await client.connect();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DatabaseUnavailableError(redactUrl(serverUrl), reason, error);
    }
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  // Test data only: no fsync wait per commit (crash durability of the server is not under test).
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: 5,
    options: "-c synchronous_commit=off",
  });
  keepPoolAlive(pool);
  const db: SqlExecutor = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) });
  const drop = async (): Promise<void> => {
    await db.destroy();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  try {
    await migrate(db);
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
