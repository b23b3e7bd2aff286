/**
 * `pnpm bench:scale` / `node src/scale.ts [--engines 1,2,4,8] [--runs N] [--latency-runs N]
 * [--concurrency N] [--rounds N] [--pool N] [--netns] [--json path]` | `--render path`
 *
 * Several engine processes on one PostgreSQL (issue 17, scale-out): for each engine count, a
 * fresh database, a backlog of three-step runs drained by all engines (throughput, share per
 * engine), a closed loop of single runs (p50/p99 start-to-completion latency), and wake-ups
 * across processes (signal, child completion, timer). `--netns` runs each engine in its own
 * network namespace, reaching PostgreSQL through a forwarder (separate hosts on one machine);
 * where namespaces cannot be made it prints why and skips that mode. Prints a table and the
 * load average beside each row; `--json` also writes the figures. Each engine (and the
 * coordinator) opens a pool of `--pool` connections (default 4, pg's default is 10), so 8
 * engines fit in a shared server's `max_connections`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import pg from "pg";
import { separateHostsUnavailable } from "./scale/netns.ts";
import { runScale, type ScaleResult } from "./scale/run-scale.ts";
import { adminUrl } from "./support/database.ts";
import { percentile } from "./support/stats.ts";
import { runUnderTransformerLoader } from "./support/transformer-loader.ts";

// The coordinator starts runs of the scenario's workflows, compiled as a user's are.
runUnderTransformerLoader(import.meta.url);

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const f = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : "-");
const wake = (values: readonly number[]): string =>
  `${f(percentile(values, 0.5))} / ${f(Math.max(...values))}`;

/** A markdown row per result (the README's table). */
export function scaleTable(results: readonly ScaleResult[]): string {
  const header = [
    "| engines | hosts | wf/s | commits/s | PG CPU ms/wf | p50 ms | p99 ms | backlog runs per engine | min/max | CV | arrivals per engine | signal wake p50/max ms | child wake p50/max ms | timer wake p50/max ms | load (1 min) before/after |",
    "|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---|---:|---:|---:|---|",
  ];
  return [
    ...header,
    ...results.map(
      (r) =>
        `| ${r.engines} | ${r.separateHosts ? "netns" : "local"} | ${f(r.wfPerSec, 0)} | ${f(r.commitsPerSec, 0)} | ${f(r.backendCpuMsPerWf, 2)} | ${f(r.latencyP50)} | ${f(r.latencyP99)} | ${r.perEngine.join(" ")} | ${f(r.minMaxRatio, 2)} | ${f(r.cv, 2)} | ${r.latencyPerEngine.join(" ")} | ${wake(r.signalWake)} | ${wake(r.childWake)} | ${wake(r.timerWake)} | ${f(r.load1Before, 2)} / ${f(r.load1After, 2)} |`,
    ),
  ].join("\n");
}

/** Drops the databases of earlier scale runs that were killed (their coordinator pid is gone). */
async function dropLeftovers(): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_continuum\\_scale\\_%'",
    );
    for (const { datname } of rows) {
      const pid = Number(/_(\d+)_[a-z0-9]+$/.exec(datname)?.[1]);
      if (Number.isInteger(pid) && !alive(pid))
        await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const render = option("--render", "");
  if (render !== "") {
    // The table of a saved run (`--json` output), e.g. for the README.
    console.log(scaleTable((JSON.parse(readFileSync(render, "utf8")) as { results: ScaleResult[] }).results));
    return;
  }
  const engineCounts = option("--engines", "1,2,4,8").split(",").map(Number);
  const base = {
    runs: Number(option("--runs", "1000")),
    latencyRuns: Number(option("--latency-runs", "200")),
    concurrency: Number(option("--concurrency", "8")),
    rounds: Number(option("--rounds", "20")),
    poolSize: Number(option("--pool", "4")),
  };
  await dropLeftovers();
  const modes = [false];
  if (process.argv.includes("--netns")) {
    const why = separateHostsUnavailable();
    if (why === undefined) modes.push(true);
    else console.log(`netns mode skipped: ${why}`);
  }
  const results: ScaleResult[] = [];
  for (const separateHosts of modes) {
    for (const engines of engineCounts) {
      const result = await runScale({ ...base, engines, separateHosts });
      results.push(result);
      console.log(scaleTable([result]).split("\n").at(-1));
    }
  }
  console.log(`\n${scaleTable(results)}\n`);
  const json = option("--json", "");
  if (json !== "")
    writeFileSync(json, `${JSON.stringify({ date: new Date().toISOString(), ...base, results }, null, 1)}\n`);
}

await main();
