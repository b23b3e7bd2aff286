import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect, PostgresDialect } from "kysely";
import type pg from "pg";
import {
  connectionSecrets,
  DatabaseUnavailableError,
  redactConnectionString,
  redactSecrets,
  scrubError,
} from "../../errors/index.ts";
import { preparedStatementPool } from "./prepared-statements.ts";
import type { SqlExecutor } from "./sql-fragments.ts";

/** Embedded data directory used when none is given: `./.continuum/pgdata` under the working directory. */
export function defaultDataDir(): string {
  return resolve(".continuum/pgdata");
}

/**
 * Opens embedded PGlite on `dataDir` (created if missing; `memory://` keeps it in memory).
 * Throws `DatabaseUnavailableError` naming the directory when it cannot be opened (another
 * process holding it, no permission, a data directory from an incompatible version).
 */
export async function openPglite(dataDir: string): Promise<{ pglite: PGlite; db: SqlExecutor }> {
  let pglite: PGlite;
  try {
    if (!dataDir.includes("://")) mkdirSync(dataDir, { recursive: true });
    pglite = new PGlite(dataDir);
    await pglite.waitReady;
  } catch (error) {
    throw new DatabaseUnavailableError(
      dataDir,
      error instanceof Error ? error.message : String(error),
      error,
    );
  }
  return { pglite, db: new Kysely<Record<string, never>>({ dialect: new PGliteDialect({ pglite }) }) };
}

/**
 * Checks that `pool` answers, then wraps it in Kysely (sending statements with parameters as
 * named prepared statements unless `preparedStatements` is false; see prepared-statements.ts).
 * On failure ends the pool when we own it
 * and throws `DatabaseUnavailableError` with the (redacted) target.
 */
export async function connectPool(
  pool: pg.Pool,
  shown: string,
  ownsPool: boolean,
  preparedStatements = true,
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
    dialect: new PostgresDialect({ pool: preparedStatements ? preparedStatementPool(pool) : pool }),
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
