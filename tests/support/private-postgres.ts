import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A throwaway PostgreSQL cluster of the test's own, on a free loopback port: for tests that
 * restart or stop the server, which must not disturb the suites sharing 127.0.0.1:5432.
 * Uses the server binaries of the installed PostgreSQL; runs as the `postgres` user when the
 * test runs as root (the server refuses to run as root).
 */
export interface PrivatePostgres {
  readonly url: string;
  readonly port: number;
  /** Stops the server (fast mode: connections are cut, as in a crash of the clients' peer). */
  stop(): void;
  start(): void;
  restart(): void;
  destroy(): void;
}

/** True when a PostgreSQL server installation is present to run a private cluster with. */
export function privatePostgresAvailable(): boolean {
  return binDir() !== undefined;
}

function binDir(): string | undefined {
  try {
    const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
    return versions[0] === undefined ? undefined : join("/usr/lib/postgresql", versions[0], "bin");
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/**
 * Creates and starts a private cluster. `maxConnections` (default 50) is for suites that run
 * several engine processes, each with its own pools.
 */
export async function startPrivatePostgres(
  settings: { maxConnections?: number } = {},
): Promise<PrivatePostgres> {
  const bin = binDir();
  if (bin === undefined)
    throw new Error(
      "no PostgreSQL server binaries under /usr/lib/postgresql; install the postgresql package",
    );
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "ctm-pg-"));
  chmodSync(dir, 0o777);
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  const run = (tool: string, args: string[]) => {
    const command = join(bin, tool);
    if (asRoot) execFileSync("runuser", ["-u", "postgres", "--", command, ...args], { stdio: "pipe" });
    else execFileSync(command, args, { stdio: "pipe" });
  };
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=${settings.maxConnections ?? 50}`;
  const start = () => run("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "log"), "-w", "start"]);
  const stop = () => run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    restart: () => {
      stop();
      start();
    },
    destroy: () => {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
