/**
 * Where PostgreSQL's CPU goes while Continuum runs the throughput case: `perf record` of the
 * case database's backends (software clock samples with call graphs: the project's VMs have no
 * hardware counters, and Debian's postgres binary keeps the dynamic symbols that name most of
 * its functions), then the share of samples under each executor phase worth watching, and the
 * hottest functions. This is how the journal's clock (migration 0022) was found.
 *
 *   node src/profile-server.ts [workflows=5000] [seconds=10]
 *
 * Needs `perf` (Debian's linux-perf) and the server on this machine; prints why not otherwise.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { adminUrl } from "./support/database.ts";

const workflows = Number(process.argv[2] ?? 5000);
const seconds = Number(process.argv[3] ?? 10);

/** Functions whose inclusive share says which part of a statement's life costs what. */
const phases = [
  ["PortalRun", "statement execution (everything below)"],
  ["standard_ExecutorStart", "executor setup (plan nodes, opening relations)"],
  ["ExecInitModifyTable", "  of which insert/update nodes"],
  ["ExecOpenIndices", "  of which opening the target's indexes"],
  ["standard_ExecutorRun", "executor run"],
  ["ExecInsertIndexTuples", "  index entries written"],
  ["ExecConstraints", "  CHECK constraints"],
  ["AfterTriggerEndQuery", "  triggers (foreign keys, attribute trigger)"],
  ["fmgr_sql", "  SQL-language function calls (not inlined)"],
  ["GetCachedPlan", "cached-plan checks"],
  ["CommitTransactionCommand", "commit"],
  ["XLogFlush", "  of which the WAL flush"],
  ["secure_read", "waiting for the client"],
] as const;

function perfWorks(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), "perf-check-"));
  try {
    execFileSync("perf", ["record", "-e", "cpu-clock", "-o", join(dir, "p"), "--", "true"], {
      stdio: "ignore",
    });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The case's backends, once its database exists and commits are flowing. */
async function caseBackends(): Promise<number[]> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (;;) {
      const found = await admin.query<{ pid: number }>(
        `SELECT a.pid FROM pg_stat_activity a JOIN pg_stat_database d ON d.datname = a.datname
         WHERE a.datname LIKE 'bench_continuum_throughput_%' AND d.xact_commit > 1000`,
      );
      if (found.rows.length > 0) return found.rows.map((r) => r.pid);
      await admin.query("SELECT pg_stat_clear_snapshot()");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await admin.end();
  }
}

const unavailable = perfWorks();
if (unavailable !== undefined) {
  console.log(`perf cannot record here (${unavailable.split("\n")[0]}); install linux-perf, run as root`);
  process.exit(1);
}
const job = [
  {
    scenario: "throughput",
    peer: "continuum-pg",
    variant: "profile",
    params: { n: workflows, concurrency: 10 },
    rep: 0,
  },
];
const child = spawn(process.execPath, [join(import.meta.dirname, "run-case.ts"), JSON.stringify(job)], {
  stdio: ["ignore", "ignore", "inherit"],
});
const dir = mkdtempSync(join(tmpdir(), "profile-server-"));
try {
  const pids = await caseBackends();
  const data = join(dir, "perf.data");
  execFileSync(
    "perf",
    [
      "record",
      "-e",
      "cpu-clock",
      "-F",
      "999",
      "-g",
      "-o",
      data,
      "-p",
      pids.join(","),
      "--",
      "sleep",
      String(seconds),
    ],
    {
      stdio: "ignore",
    },
  );
  const script = execFileSync("perf", ["script", "-i", data], {
    maxBuffer: 1 << 30,
    stdio: ["ignore", "pipe", "ignore"],
  }).toString();
  const inclusive = new Map<string, number>();
  const self = new Map<string, number>();
  let total = 0;
  for (const sample of script.split("\n\n")) {
    const frames = sample
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.trim().split(/\s+/)[1]?.split("+")[0] ?? "");
    if (frames.length === 0) continue;
    total += 1;
    self.set(frames[0]!, (self.get(frames[0]!) ?? 0) + 1);
    for (const name of new Set(frames)) inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
  }
  const pct = (n: number | undefined): string => `${((100 * (n ?? 0)) / Math.max(1, total)).toFixed(1)}%`;
  console.log(
    `${total} samples of ${pids.length} backends over ${seconds} s (throughput n${workflows}-c10)\n`,
  );
  console.log("| phase | function | share of samples (inclusive) |\n| --- | --- | ---: |");
  for (const [name, label] of phases) console.log(`| ${label} | \`${name}\` | ${pct(inclusive.get(name))} |`);
  console.log("\n| hottest functions (self) | share |\n| --- | ---: |");
  for (const [name, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`| \`${name}\` | ${pct(n)} |`);
} finally {
  // The case drops its own database when it ends; let it.
  if (child.exitCode === null) await new Promise((resolve) => child.once("exit", resolve));
  rmSync(dir, { recursive: true, force: true });
}
