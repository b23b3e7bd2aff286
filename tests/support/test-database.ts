import pg from "pg";

/** Server the integration suites use: CI exports TEST_DATABASE_URL; developers get the local default. */
export const serverUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A database created for one suite and dropped after it. */
export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/**
 * Creates a uniquely named database on the real PostgreSQL server. Names carry the suite and
 * the pid so parallel suites and leftovers from killed runs never collide.
 *
 * @example
 * ```ts
 * const db = await createTestDatabase("crash");
 * try { ... db.url ... } finally { await db.drop(); }
 * ```
 */
export async function createTestDatabase(suite: string): Promise<TestDatabase> {
  const name = `ctm_${suite.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${process.pid}_${Date.now().toString(36)}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
