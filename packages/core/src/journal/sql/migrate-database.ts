import pg from "pg";
import { redactConnectionString } from "../../errors/index.ts";
import { connectPool, defaultDataDir, openPglite } from "./connect-database.ts";
import { loadMigrations, migrate, type MigrateResult } from "./migrator.ts";
import { checkSchemaName } from "../../validation/schema-name.ts";
import { progressListener } from "../open-progress.ts";

/** Where `migrateDatabase` applies the migrations. */
export interface MigrateDatabaseOptions {
  /** PostgreSQL connection string; without it, the embedded PGlite data directory. */
  readonly url?: string;
  /** Embedded data directory; default `./.continuum/pgdata`. */
  readonly dataDir?: string;
  /** The instance's schema (see `openJournal({ schema })`); default `continuum`. */
  readonly schema?: string;
}

/**
 * Connects, applies pending migrations (see `migrate`) and disconnects: what
 * `continuum migrate` runs. The CLI never touches a driver itself.
 *
 * @example
 * ```ts
 * const { applied, version } = await migrateDatabase({ url: process.env.DATABASE_URL });
 * ```
 */
export async function migrateDatabase(
  options: MigrateDatabaseOptions,
): Promise<MigrateResult & { target: string; schema: string }> {
  const schema = checkSchemaName(options.schema, "migrateDatabase({ schema })");
  if (options.url !== undefined) {
    const target = redactConnectionString(options.url);
    const pool = new pg.Pool({
      connectionString: options.url,
      max: 1,
      application_name: "continuum-migrate",
    });
    const db = await connectPool(pool, target, true, true, schema);
    try {
      return { ...(await migrate(db, loadMigrations(), schema)), target, schema };
    } finally {
      await db.destroy();
    }
  }
  const dataDir = options.dataDir ?? defaultDataDir();
  const { db, close } = await openPglite(dataDir, progressListener(), schema);
  try {
    return { ...(await migrate(db, loadMigrations(), schema)), target: dataDir, schema };
  } finally {
    await close();
  }
}
