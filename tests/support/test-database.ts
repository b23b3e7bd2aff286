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
    drop: () => dropDatabase(name),
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

/**
 * Drops `name` once its sessions are gone. A pg Pool's end() resolves before its connections have
 * closed, and a FORCE drop would then terminate them mid-close: the server's FATAL 57P01 reaches
 * a client nobody listens to any more and surfaces as an unhandled error. So wait (a few seconds
 * at most) for the server to see them leave; FORCE is for sessions a killed process left behind.
 */
async function dropDatabase(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    for (let polls = 0; polls < 100; polls++) {
      const left = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1",
        [name],
      );
      if (left.rows[0]?.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
