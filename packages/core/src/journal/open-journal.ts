import { ensureEventPartitions } from "./sql/admin/ensure-event-partitions.ts";
import { sql } from "kysely";
import pg from "pg";
import {
  connectionSecrets,
  DatabaseUnavailableError,
  redactConnectionString,
  SchemaNotMigratedError,
  TestClockInUseError,
  scrubError,
} from "../errors/index.ts";
import type { Journal } from "./journal.ts";
import type { Notifier } from "./notifier.ts";
import { appliedMigrations, loadMigrations, migrate, requiredSchemaVersion } from "./sql/migrator.ts";
import { createPgliteNotifier, createPgNotifier, type PgliteHandle } from "./sql/pg-notifier.ts";
import type { SqlExecutor } from "./sql/sql-fragments.ts";
import { createSqlJournal } from "./sql/sql-journal.ts";
import { checkOpenJournalOptions } from "./check-open-journal-options.ts";
import { readTestClockOffset } from "./sql/test-clock.ts";
import { connectPool, defaultDataDir, openPglite } from "./sql/connect-database.ts";
import { releaseOrphanedLeases } from "./sql/release-orphaned-leases.ts";
import { progressListener, type OpenJournalProgressListener } from "./open-progress.ts";
import { checkSchemaName, DEFAULT_SCHEMA } from "../validation/schema-name.ts";
import { schemaSql } from "./sql/instance-schema.ts";
import { InvalidSchemaNameError } from "../errors/validation-errors.ts";
import type { GroupCommitOptions } from "./sql/group-commit.ts";

export type { PgliteHandle } from "./sql/pg-notifier.ts";

/** Where the journal lives. With nothing set: `DATABASE_URL`, else embedded PGlite in `dataDir`. */
export interface OpenJournalOptions {
  /**
   * PostgreSQL connection string; default `process.env.DATABASE_URL`. `undefined` counts as not
   * given, so `{ url: process.env["DATABASE_URL"] }` compiles under `exactOptionalPropertyTypes`.
   */
  readonly url?: string | undefined;
  /** An existing pg Pool (the journal does not end it on close). */
  readonly pool?: pg.Pool;
  /**
   * PostgreSQL connection string of the one dedicated connection that LISTENs for wake-up
   * hints; default `url` (or the pool's config). LISTEN needs a session of its own, which a
   * pooler in transaction mode (PgBouncer `pool_mode = transaction`) does not keep: point `url`
   * at the pooler and `listenUrl` at the server itself (or a session-mode pool). Without it,
   * hints are lost behind such a pooler and engines wake by polling alone.
   *
   * @example
   * ```ts
   * openJournal({ url: "postgres://app@pgbouncer:6432/orders", listenUrl: "postgres://app@db:5432/orders" });
   * ```
   */
  readonly listenUrl?: string;
  /**
   * An existing Kysely instance (PostgresDialect or PGliteDialect; not destroyed on close).
   * Hints then come from `pglite` when given, else from a LISTEN connection to `url`/`pool`,
   * else there are none and engines rely on polling alone.
   */
  readonly kysely?: SqlExecutor;
  /** The PGlite instance behind `kysely`, for its LISTEN hints (typed by the part used, see PgliteHandle). */
  readonly pglite?: PgliteHandle;
  /** Embedded PGlite data directory; default `./.continuum/pgdata`; `memory://` keeps it in memory. */
  readonly dataDir?: string;
  /**
   * Embedded data directory only: sync each commit to disk before it is acknowledged, as a
   * PostgreSQL server does with its defaults. Default true. With false, a commit survives the
   * process being killed but not an OS crash or a power cut (PGlite's own default), for about
   * a fifth more throughput on the bench's machine; for data you can lose only.
   */
  readonly fsync?: boolean;
  /**
   * The PostgreSQL schema this Continuum instance lives in: two instances with different
   * schemas share a database (or a process) without seeing each other's runs, tasks, timers,
   * schedules, queues or wake-up hints. Default `process.env.CONTINUUM_SCHEMA`, else
   * `continuum`. A plain lower-case identifier that is not a reserved word (else
   * `InvalidSchemaNameError`, CTM_INVALID_SCHEMA_NAME). With `kysely`, build that Kysely with
   * `continuumSchemaDialect(dialect, schema)`.
   */
  readonly schema?: string;
  /** Apply pending migrations on open. Default: true for embedded PGlite, false for a server. */
  readonly migrate?: boolean;
  /** Monthly event partitions to make sure exist, from the current month. Default 3. */
  readonly partitionMonthsAhead?: number;
  /**
   * Send the journal's statements as named prepared statements, planned once per connection
   * (PostgreSQL through `url`/`pool` only; the pool opened for `url` also uses generic plans
   * from the first execution). Default true; set false behind a connection pooler that does not
   * keep prepared statements (PgBouncer in transaction mode before 1.21).
   */
  readonly preparedStatements?: boolean;
  /**
   * Group commit (default on): steps of many runs that arrive while the journal is writing
   * others go out together as one statement, so a busy engine pays one round trip, one
   * executor setup and one commit for many steps; a lone step is written at once, as before.
   * `false` writes each step on its own; `{ maxInFlight, maxBatch }` tunes it (see
   * `GroupCommitOptions`).
   */
  readonly groupCommit?: GroupCommitOptions | false;
  /**
   * Told each step of the open (`creating`, `lock_taken_over`, `migrating`, `ready`; see
   * `OpenJournalProgress`), e.g. to explain the seconds a first embedded start takes.
   */
  readonly onProgress?: OpenJournalProgressListener;
  /**
   * TEST ONLY. Open a database whose clock the test kit moved (see `createTestEnvironment`),
   * e.g. from a second process of a multi-process test. Without it such a database is refused
   * with `TestClockInUseError`, so an app can never run on a moved clock by accident.
   */
  readonly allowTestClock?: boolean;
}

/**
 * Opens the SQL journal: PostgreSQL through `pg` when a URL (or pool) is given or
 * `DATABASE_URL` is set, else embedded PGlite in a local data directory, migrated on open.
 *
 * @example
 * ```ts
 * const journal = await openJournal();                       // embedded, ./.continuum/pgdata
 * const shared = await openJournal({ url: process.env.DATABASE_URL, migrate: true });
 * const billing = await openJournal({ url: process.env.DATABASE_URL, schema: "billing", migrate: true });
 * ```
 */
export async function openJournal(options: OpenJournalOptions = {}): Promise<Journal> {
  checkOpenJournalOptions(options);
  const fromSchemaEnv = process.env.CONTINUUM_SCHEMA;
  const schema =
    options.schema !== undefined
      ? checkSchemaName(options.schema, "openJournal({ schema })")
      : checkSchemaName(fromSchemaEnv === "" ? undefined : fromSchemaEnv, "CONTINUUM_SCHEMA");
  if (options.kysely !== undefined) return openOnKysely(options.kysely, options, schema);
  const fromEnv = options.pool === undefined ? process.env.DATABASE_URL : undefined;
  const url = options.url ?? (fromEnv === "" ? undefined : fromEnv);
  if (url !== undefined || options.pool !== undefined) return openServerJournal(options, url, schema);
  return openEmbeddedJournal(options, schema);
}

async function openServerJournal(
  options: OpenJournalOptions,
  url: string | undefined,
  schema: string,
): Promise<Journal> {
  const shown = url === undefined ? "(pool)" : redactConnectionString(url);
  const prepared = options.preparedStatements ?? true;
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: url,
      application_name: "continuum",
      // Every journal statement is a keyed lookup whose best plan does not depend on the values,
      // so a connection of our own plans each prepared statement once (PostgreSQL would otherwise
      // re-plan its first five executions on every connection). A SET that the pool awaits before
      // handing the connection out, rather than a startup option, which poolers often refuse;
      // where even the SET is refused, the default plan choice stays.
      ...(prepared
        ? {
            onConnect: (client: pg.ClientBase) =>
              client.query("SET plan_cache_mode = force_generic_plan").then(
                () => {},
                () => {},
              ),
          }
        : {}),
    });
  const ownsPool = options.pool === undefined;
  const started = performance.now();
  const db = await connectPool(pool, shown, ownsPool, prepared, schema);
  const destroy = async (): Promise<void> => {
    if (ownsPool) await db.destroy();
  };
  try {
    await prepareSchema(db, shown, options.migrate ?? false, options, started, schema);
  } catch (error) {
    await destroy();
    throw error;
  }
  const connection: pg.ClientConfig =
    options.listenUrl !== undefined
      ? { connectionString: options.listenUrl }
      : url !== undefined
        ? { connectionString: url }
        : (pool.options as pg.ClientConfig);
  const notifier = createPgNotifier({
    connection: { ...connection, application_name: "continuum-listen" },
    schema,
  });
  return createSqlJournal(db, { notifier, onClose: destroy, target: shown, ...groupCommitOf(options) });
}

async function openEmbeddedJournal(options: OpenJournalOptions, schema: string): Promise<Journal> {
  const started = performance.now();
  const dataDir = options.dataDir ?? defaultDataDir();
  const onProgress = progressListener(options.onProgress);
  const { pglite, db, close } = await openPglite(dataDir, onProgress, schema, options.fsync ?? true);
  try {
    await prepareSchema(db, dataDir, options.migrate ?? true, options, started, schema);
    // The directory is locked to this process: every lease in it is a gone process's.
    const released = await releaseOrphanedLeases(db);
    if (released.runs + released.attempts > 0)
      onProgress({ kind: "leases_released", target: dataDir, ...released });
  } catch (error) {
    await close();
    throw error;
  }
  return createSqlJournal(db, {
    notifier: createPgliteNotifier(pglite, schema),
    onClose: close,
    target: dataDir,
    keepStatistics: true,
    // The journal closes this PGlite: every call must have settled first, however long it
    // takes, since closing PGlite under a statement in flight wedges it and blocks the event
    // loop (electric-sql/pglite#1084, 0.4 and later).
    closeWaitMs: Number.POSITIVE_INFINITY,
    ...groupCommitOf(options, true),
  });
}

async function openOnKysely(db: SqlExecutor, options: OpenJournalOptions, schema: string): Promise<Journal> {
  const shown = options.url === undefined ? "(kysely)" : redactConnectionString(options.url);
  let mapsTo: string | undefined;
  try {
    // Which instance this Kysely's statements reach: the text below comes back mapped when it
    // was built with continuumSchemaDialect (and unchanged when not).
    const probe = await sql<{ probe: string }>`SELECT 'continuum.' AS probe`.execute(db);
    mapsTo = probe.rows[0]?.probe;
  } catch (error) {
    scrubError(error, connectionSecrets(options.url));
    throw new DatabaseUnavailableError(shown, error instanceof Error ? error.message : String(error), error);
  }
  if (mapsTo !== schemaSql("continuum.", schema)) {
    throw new InvalidSchemaNameError(
      "openJournal({ kysely, schema })",
      `does not match the Kysely passed (its statements reach ${mapsTo === "continuum." ? `"${DEFAULT_SCHEMA}"` : String(mapsTo).slice(0, -1)}); build it with continuumSchemaDialect(dialect, schema)`,
      JSON.stringify(schema),
    );
  }
  await prepareSchema(db, shown, options.migrate ?? false, options, performance.now(), schema);
  const listenTo: pg.ClientConfig | undefined =
    options.listenUrl !== undefined
      ? { connectionString: options.listenUrl }
      : options.url !== undefined
        ? { connectionString: options.url }
        : (options.pool?.options as pg.ClientConfig | undefined);
  const notifier: Notifier =
    options.pglite !== undefined
      ? createPgliteNotifier(options.pglite, schema)
      : listenTo !== undefined
        ? createPgNotifier({ connection: { ...listenTo, application_name: "continuum-listen" }, schema })
        : { subscribe: () => () => {}, close: async () => {} };
  return createSqlJournal(db, {
    notifier,
    target: shown,
    keepStatistics: options.pglite !== undefined,
    ...groupCommitOf(options, options.pglite !== undefined),
  });
}

/**
 * Migrates (or checks the schema is current), then makes sure this month's partitions exist;
 * reports `migrating` and `ready` to `options.onProgress`.
 */
async function prepareSchema(
  db: SqlExecutor,
  shown: string,
  migrateOnOpen: boolean,
  options: OpenJournalOptions,
  started: number,
  schema: string,
): Promise<void> {
  const onProgress = progressListener(options.onProgress);
  const monthsAhead = options.partitionMonthsAhead ?? 3;
  const migrations = loadMigrations();
  const required = requiredSchemaVersion(migrations);
  let version = Math.max(0, ...(await appliedMigrations(db)).keys());
  let applied: string[] = [];
  if (migrateOnOpen) {
    if (version < required) onProgress({ kind: "migrating", target: shown, from: version, to: required });
    ({ applied, version } = await migrate(db, migrations, schema));
  } else if (version < required) {
    throw new SchemaNotMigratedError(shown, version, required);
  }
  // A moved test clock would shift every lease, timer and deadline: never run an app on one.
  const testClockOffset = options.allowTestClock === true ? undefined : await readTestClockOffset(db);
  if (testClockOffset !== undefined && testClockOffset !== 0)
    throw new TestClockInUseError(shown, testClockOffset);
  // Creates missing months without scanning the default partition under a lock; months with
  // rows in the default partition are left to `continuum partitions ensure` (an online
  // conversion, never started implicitly by a boot). Busy (another process is at it, maybe a
  // long conversion): the boot goes on; engines check again hourly.
  if (monthsAhead > 0) await ensureEventPartitions(db, { monthsAhead });
  onProgress({ kind: "ready", target: shown, version, applied, elapsedMs: performance.now() - started });
}

/**
 * The journal's group commit option: the caller's, and for PGlite (`inThread`, a database that
 * runs in this thread) one turn of the event loop to gather writes unless the caller says
 * otherwise (see GroupCommitOptions.gatherOneTurn).
 */
function groupCommitOf(
  options: OpenJournalOptions,
  inThread = false,
): { readonly groupCommit?: GroupCommitOptions | false } {
  const given = options.groupCommit;
  if (given === false) return { groupCommit: false };
  if (!inThread) return given === undefined ? {} : { groupCommit: given };
  return { groupCommit: { gatherOneTurn: true, ...given } };
}
