import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect, PostgresDialect } from "kysely";
import type pg from "pg";
import {
  connectionSecrets,
  DatabaseUnavailableError,
  isContinuumError,
  redactConnectionString,
  redactSecrets,
  scrubError,
} from "../../errors/index.ts";
import type { OpenJournalProgressListener } from "../open-progress.ts";
import { lockDataDir, type DataDirLock } from "./data-dir-lock.ts";
import { preparedPglite } from "./prepared-pglite.ts";
import { pgliteOptionsFor, stopAfterSyncFailure, syncParents, syncTree } from "./durable-pglite.ts";
import { preparedStatementPool } from "./prepared-statements.ts";
import { continuumSchemaDialect } from "./schema-dialect.ts";
import { DEFAULT_SCHEMA } from "../../validation/schema-name.ts";
import type { SqlExecutor } from "./sql-fragments.ts";

/** Embedded data directory used when none is given: `./.continuum/pgdata` under the working directory. */
export function defaultDataDir(): string {
  return resolve(".continuum/pgdata");
}

/** An open embedded database: close it with `close()`, which also releases the directory's lock. */
export interface EmbeddedDatabase {
  readonly pglite: PGlite;
  readonly db: SqlExecutor;
  /** Destroys `db` (closing PGlite), then releases the data directory's lock. */
  close(): Promise<void>;
}

/**
 * Opens embedded PGlite on `dataDir` (created if missing; `memory://` keeps it in memory).
 * A directory is first locked for this process (see data-dir-lock.ts): a second opener gets
 * `DataDirLockedError` naming the holder, instead of a second PGlite that silently never
 * sees the first one's runs. Throws `DatabaseUnavailableError` naming the directory when it
 * cannot be opened otherwise (no permission, a data directory from an incompatible version).
 * `db` runs its statements in instance `schema` (checked by the caller; see schema-dialect.ts).
 * A directory syncs each commit to disk unless `fsync` is false (durable-pglite.ts).
 */
export async function openPglite(
  dataDir: string,
  onProgress: OpenJournalProgressListener = () => {},
  schema: string = DEFAULT_SCHEMA,
  fsync = true,
): Promise<EmbeddedDatabase> {
  const directory = localDirectory(dataDir);
  let lock: DataDirLock | undefined;
  let pglite: PGlite;
  let firstMade: string | undefined;
  // A directory's commits reach the disk before they are acknowledged (durable-pglite.ts).
  const durable = directory !== undefined && fsync;
  try {
    if (directory !== undefined) {
      firstMade = mkdirSync(directory, { recursive: true });
      lock = await lockDataDir(directory, {
        onStaleLock: (previous) => onProgress({ kind: "lock_taken_over", target: dataDir, previous }),
      });
    }
    const creating =
      directory === undefined ? dataDir.startsWith("memory://") : !existsSync(join(directory, "PG_VERSION"));
    if (creating) onProgress({ kind: "creating", target: dataDir });
    pglite = new PGlite(dataDir, pgliteOptionsFor(durable));
    await pglite.waitReady;
    if (durable && creating) {
      syncTree(directory);
      if (firstMade !== undefined) syncParents(directory, firstMade);
    }
    // Each named statement (prepared-pglite.ts) planned once, as on a server (open-journal.ts).
    await pglite.exec("SET plan_cache_mode = force_generic_plan");
  } catch (error) {
    lock?.release();
    if (isContinuumError(error)) throw error;
    throw new DatabaseUnavailableError(
      dataDir,
      error instanceof Error ? error.message : String(error),
      error,
    );
  }
  const db = new Kysely<Record<string, never>>({
    dialect: continuumSchemaDialect(
      new PGliteDialect({
        pglite: durable
          ? stopAfterSyncFailure(preparedPglite(pglite), pglite, dataDir)
          : preparedPglite(pglite),
      }),
      schema,
    ),
  });
  return {
    pglite,
    db,
    close: async () => {
      try {
        await db.destroy();
        // Kysely closes PGlite only when a query ever ran; the lock must outlive the instance.
        if (!pglite.closed) await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/** The file-system directory behind a PGlite data dir (`file://` prefix or a plain path), if any. */
function localDirectory(dataDir: string): string | undefined {
  if (dataDir.startsWith("file://")) return dataDir.slice("file://".length);
  return dataDir.includes("://") ? undefined : dataDir;
}

/**
 * Checks that `pool` answers, then wraps it in Kysely (sending statements with parameters as
 * named prepared statements unless `preparedStatements` is false; see prepared-statements.ts),
 * in instance `schema` (see schema-dialect.ts). On failure ends the pool when we own it
 * and throws `DatabaseUnavailableError` with the (redacted) target.
 */
export async function connectPool(
  pool: pg.Pool,
  shown: string,
  ownsPool: boolean,
  preparedStatements = true,
  schema: string = DEFAULT_SCHEMA,
): Promise<SqlExecutor> {
  if (ownsPool) keepPoolAlive(pool);
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    if (ownsPool) await pool.end().catch(() => {});
    // pg can echo the connection string or password in its message: scrub with this pool's
    // own secrets before the text is wrapped (the error's constructor knows only PGPASSWORD).
    const secrets = connectionSecrets(pool.options as { connectionString?: string; password?: unknown });
    scrubError(error, secrets);
    throw new DatabaseUnavailableError(
      shown,
      redactSecrets(error instanceof Error ? error.message : String(error), secrets),
      error,
    );
  }
  return new Kysely<Record<string, never>>({
    dialect: continuumSchemaDialect(
      new PostgresDialect({ pool: preparedStatements ? preparedStatementPool(pool) : pool }),
      schema,
    ),
  });
}

/**
 * A pooled connection that dies (server restart, pg_terminate_backend) emits 'error' on its
 * client, and on the pool when idle: unhandled, either crashes the process. The statement that
 * was running still fails (and is reported as DatabaseUnavailableError); the pool replaces the
 * connection.
 */
export function keepPoolAlive(pool: pg.Pool): void {
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
}

/**
 * The connection string as safe to show. Kept for existing callers: it is
 * `redactConnectionString` (every form: URL user:password, `?password=`, key=value).
 */
export const redactUrl: (url: string) => string = redactConnectionString;
