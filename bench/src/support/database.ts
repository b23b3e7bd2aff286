import { readFile } from "node:fs/promises";
import pg from "pg";

/** The server every peer shares; override with BENCH_PG_URL (a maintenance database URL). */
export const adminUrl = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A database created for one peer in one scenario, dropped after. */
export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: "continuum-bench-admin" });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates a fresh database named after the peer and scenario (plus pid and a random suffix, so
 * parallel runs never collide) and returns its URL.
 */
export async function createDatabase(peer: string, scenario: string): Promise<BenchDatabase> {
  const safe = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, "_");
  const name =
    `bench_${safe(peer)}_${safe(scenario)}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`.slice(
      0,
      63,
    );
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Server facts for the report. */
export interface ServerInfo {
  readonly version: string;
  readonly settings: Readonly<Record<string, string>>;
}

const reportedSettings = [
  "shared_buffers",
  "max_connections",
  "synchronous_commit",
  "fsync",
  "wal_level",
  "full_page_writes",
  "work_mem",
  "shared_preload_libraries",
];

/** Version and the settings that bound a commit-heavy workload. */
export async function serverInfo(): Promise<ServerInfo> {
  return withAdmin(async (c) => {
    const version =
      (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? "?";
    const rows = (
      await c.query<{ name: string; setting: string; unit: string | null }>(
        "SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)",
        [reportedSettings],
      )
    ).rows;
    const settings: Record<string, string> = {};
    for (const r of rows)
      settings[r.name] = `${r.setting}${r.unit === null || r.unit === "" ? "" : ` ${r.unit}`}`;
    return { version, settings };
  });
}

/**
 * Database-side counters of one database: committed transactions (pg_stat_database) and the CPU
 * time of its backends (utime+stime from /proc, readable when the server runs on this machine).
 * Backends that exit inside the window are not counted; pools keep theirs open, so this misses little.
 */
export interface DatabaseCounters {
  readonly commits: number;
  readonly backendCpuMs: ReadonlyMap<number, number>;
}

const clockTicksPerSecond = 100; // Linux USER_HZ

export async function readDatabaseCounters(dbName: string): Promise<DatabaseCounters> {
  return withAdmin(async (c) => {
    // The stats view is a per-transaction snapshot; clear it so the count is current.
    await c.query("SELECT pg_stat_clear_snapshot()");
    const commits = Number(
      (
        await c.query<{ n: string }>("SELECT xact_commit AS n FROM pg_stat_database WHERE datname = $1", [
          dbName,
        ])
      ).rows[0]?.n ?? 0,
    );
    const pids = (
      await c.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1", [dbName])
    ).rows.map((r) => r.pid);
    const backendCpuMs = new Map<number, number>();
    for (const pid of pids) {
      const ms = await processCpuMs(pid);
      if (ms !== undefined) backendCpuMs.set(pid, ms);
    }
    return { commits, backendCpuMs };
  });
}

async function processCpuMs(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
  } catch {
    return undefined;
  }
}

/** Commits and backend CPU spent between two readings. */
export function counterDelta(
  before: DatabaseCounters,
  after: DatabaseCounters,
): { commits: number; backendCpuMs: number } {
  let cpu = 0;
  for (const [pid, ms] of after.backendCpuMs) cpu += ms - (before.backendCpuMs.get(pid) ?? 0);
  return { commits: after.commits - before.commits, backendCpuMs: cpu };
}

/** Drops what a case process created and could not drop itself (it was killed): its databases carry its pid. */
export async function dropDatabasesOf(pid: number): Promise<string[]> {
  return withAdmin(async (c) => {
    const names = (
      await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [
        `bench\\_%\\_${pid}\\_%`,
      ])
    ).rows.map((r) => r.datname);
    for (const name of names) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    return names;
  });
}
