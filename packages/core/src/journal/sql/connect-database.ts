import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect, PostgresDialect } from "kysely";
import type pg from "pg";
import { DatabaseUnavailableError } from "../../errors/index.ts";
import type { PgliteHandle } from "./pg-notifier.ts";
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
export async function openPglite(dataDir: string): Promise<{ pglite: PgliteHandle; db: SqlExecutor }> {
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
    throw new DatabaseUnavailableError(shown, error instanceof Error ? error.message : String(error), error);
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

/** The URL as safe to show: the password replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/:\/\/([^:/@]*):[^@]*@/, "://$1:***@");
  }
}
