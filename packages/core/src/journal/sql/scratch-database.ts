import { randomBytes } from "node:crypto";
import pg from "pg";
import { DatabaseUnavailableError } from "../../errors/index.ts";
import { redactUrl } from "./connect-database.ts";

/** A database created on a server for one test (or one suite) and dropped after it. */
export interface ScratchDatabase {
  /** Connection string of the new database (the server's URL with its name). */
  readonly url: string;
  readonly name: string;
  /** Drops it once its sessions have left (see dropScratchDatabase). */
  drop(): Promise<void>;
}

/**
 * Creates `ctm_<label>_<pid>_<random>` on the server at `serverUrl` (its own database is only
 * used to CREATE and DROP). The pid and the random part keep parallel suites, and leftovers of
 * killed runs, from colliding.
 *
 * @example
 * ```ts
 * const db = await createScratchDatabase(process.env.TEST_DATABASE_URL!, "crash");
 * try { ... db.url ... } finally { await db.drop(); }
 * ```
 */
export async function createScratchDatabase(serverUrl: string, label: string): Promise<ScratchDatabase> {
  const name = `ctm_${label.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${process.pid}_${randomBytes(4).toString("hex")}`;
  await onServer(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => dropScratchDatabase(serverUrl, name) };
}

/**
 * Drops `name` once its sessions are gone. A pg Pool's end() resolves before its connections
 * have closed, and a FORCE drop would then terminate them mid-close: the server's FATAL 57P01
 * reaches a client nobody listens to any more and surfaces as an unhandled error. So wait (a
 * few seconds at most) for the server to see them leave; FORCE is for sessions a killed process
 * left behind.
 */
export async function dropScratchDatabase(serverUrl: string, name: string): Promise<void> {
  await onServer(serverUrl, async (client) => {
    for (let polls = 0; polls < 100; polls++) {
      const left = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1",
        [name],
      );
      if (left.rows[0]?.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
}

/** Runs `work` on a connection to the server's own database; an unreachable server is `DatabaseUnavailableError`. */
async function onServer(serverUrl: string, work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  try {
    await client.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseUnavailableError(redactUrl(serverUrl), reason, error);
  }
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
