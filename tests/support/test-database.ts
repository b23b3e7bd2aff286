import {
  createScratchDatabase,
  type ScratchDatabase,
} from "../../packages/core/src/journal/sql/scratch-database.ts";

/** Server the integration suites use: CI exports TEST_DATABASE_URL; developers get the local default. */
export const serverUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A database created for one suite and dropped after it. */
export type TestDatabase = ScratchDatabase;

/**
 * Creates a uniquely named database on the real PostgreSQL server (core's scratch databases:
 * the test kit's, the SQL adapter suites' and these are one mechanism).
 *
 * @example
 * ```ts
 * const db = await createTestDatabase("crash");
 * try { ... db.url ... } finally { await db.drop(); }
 * ```
 */
export function createTestDatabase(suite: string): Promise<TestDatabase> {
  return createScratchDatabase(serverUrl, suite);
}
