/**
 * `node src/pgbouncer-check.ts` (needs `pgbouncer` on PATH; not root-only, but run as root it
 * drops to `nobody`): what PgBouncer in transaction mode does to Continuum, measured. Starts a
 * private PgBouncer (transaction mode, port 6499) in front of the server, then on a fresh
 * database runs an engine and a client whose journal `url` goes through the pooler:
 * - with `listenUrl` straight to the server, and without it (LISTEN through the pooler):
 *   a signal's wake-up (send to completion), p50 and max of 10;
 * - with `preparedStatements` on and off: whether a start and a three-step run work.
 * Prints one line per check (guides/scaling.md quotes them).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, createEngine, openJournal, type Engine, type Journal } from "@continuum/core";
import { noop } from "./peers/continuum-activities.ts";
import { threeStep } from "./peers/bench-flows.workflow.ts";
import { scaleWaiter } from "./scale/scale-flows.workflow.ts";
import { createDatabase } from "./support/database.ts";
import { percentile } from "./support/stats.ts";
import { runUnderTransformerLoader } from "./support/transformer-loader.ts";

runUnderTransformerLoader(import.meta.url);

const port = 6499;

async function startPgBouncer(server: URL): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), "ctm-pgbouncer-"));
  spawnSync("chmod", ["777", dir]);
  const ini = join(dir, "pgbouncer.ini");
  writeFileSync(
    ini,
    [
      "[databases]",
      `* = host=${server.hostname} port=${server.port || 5432} user=${server.username || "postgres"}`,
      "[pgbouncer]",
      `listen_addr = 127.0.0.1`,
      `listen_port = ${port}`,
      "auth_type = any",
      "pool_mode = transaction",
      "default_pool_size = 10",
      "max_client_conn = 200",
      `unix_socket_dir = ${dir}`,
      `pidfile = ${join(dir, "pgbouncer.pid")}`,
      "",
    ].join("\n"),
  );
  const args = process.getuid?.() === 0 ? ["-u", "nobody", ini] : [ini];
  const child = spawn("pgbouncer", args, { stdio: "ignore" });
  await new Promise((resolve) => setTimeout(resolve, 500));
  return () => {
    child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  };
}

async function check(
  label: string,
  options: { url: string; listenUrl?: string; preparedStatements: boolean },
): Promise<void> {
  let journal: Journal | undefined;
  let engine: Engine | undefined;
  try {
    journal = await openJournal({ ...options, partitionMonthsAhead: 0 });
    engine = createEngine({
      journal,
      workflows: [threeStep, scaleWaiter],
      activities: [noop],
      partitions: false,
      handleSignals: false,
      logger: false,
    });
    const awaited = new Map<string, () => void>();
    const seen = new Set<string>();
    engine.events.on("signal.awaited", (e) => {
      seen.add(e.runId);
      awaited.get(e.runId)?.();
    });
    let failures = 0;
    engine.events.on("journal.unreachable", () => (failures += 1));
    engine.events.on("engine.error", () => (failures += 1));
    engine.start();
    const client = createClient({ journal });
    await (await client.start(threeStep, 1)).result();
    const wakes: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const run = await client.start(scaleWaiter, i);
      // The signal goes out once the run's wait is committed.
      if (!seen.has(run.runId)) await new Promise<void>((resolve) => awaited.set(run.runId, resolve));
      const sent = performance.now();
      await client.signal(run.runId, "go", i);
      await run.result();
      wakes.push(performance.now() - sent);
    }
    console.log(
      `${label}: ${failures === 0 ? "works" : `completed, after ${failures} failed rounds the engine retried`}; signal wake-up p50 ${percentile(wakes, 0.5).toFixed(1)} ms, max ${Math.max(...wakes).toFixed(1)} ms`,
    );
  } catch (error) {
    console.log(`${label}: FAILS: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  } finally {
    await engine?.stop({ graceful: false }).catch(() => {});
    await journal?.close().catch(() => {});
  }
}

async function main(): Promise<void> {
  if (spawnSync("pgbouncer", ["--version"]).error !== undefined) {
    console.log("skipped: pgbouncer is not installed (apt-get install pgbouncer)");
    return;
  }
  const db = await createDatabase("continuum", "pgbouncer");
  const direct = new URL(db.url);
  const pooled = new URL(db.url);
  pooled.port = String(port);
  const stop = await startPgBouncer(direct);
  try {
    const version = spawnSync("pgbouncer", ["--version"], { encoding: "utf8" }).stdout.split("\n")[0];
    console.log(`${version}, pool_mode = transaction`);
    await (await openJournal({ url: db.url, migrate: true })).close();
    const url = pooled.toString();
    await check("url via PgBouncer, listenUrl direct, preparedStatements off", {
      url,
      listenUrl: direct.toString(),
      preparedStatements: false,
    });
    await check("url via PgBouncer, no listenUrl (LISTEN through PgBouncer), preparedStatements off", {
      url,
      preparedStatements: false,
    });
    await check("url via PgBouncer, listenUrl direct, preparedStatements on", {
      url,
      listenUrl: direct.toString(),
      preparedStatements: true,
    });
    await check("direct (no pooler), for comparison", { url: direct.toString(), preparedStatements: true });
  } finally {
    stop();
    await db.drop();
  }
}

await main();
// A journal that failed mid-check may leave a timer behind: this is a one-shot tool.
process.exit(0);
