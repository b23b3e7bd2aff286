/**
 * `pnpm bench` / `node src/main.ts [--smoke] [--reps N] [--only a,b] [--peers a,b] [--no-readme]`
 *
 * Runs every scenario against Continuum and its peers on one PostgreSQL server, each case in
 * its own process and on a fresh database, peers in rotating order within each repetition.
 * Prints the tables; a full run also rewrites bench/README.md and bench/results/full.json (a run
 * narrowed by --only or --peers writes bench/results/subset.json instead and leaves the README).
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { resultMarker, type BenchCase, type CaseResult, type PeerName, type ScenarioName } from "./case.ts";
import { buildPlan, peerOrder, type BenchMode, type PlannedScenario } from "./plan.ts";
import { aggregate, checkTargets, ratios, ratioTable, resultTables, targetTable } from "./report.ts";
import { noDeadlinesVariable } from "./support/closed-loop.ts";
import { dropDatabasesOf, serverInfo, type ServerInfo } from "./support/database.ts";

const here = dirname(fileURLToPath(import.meta.url));
const benchDir = join(here, "..");

/** Parsed command line. */
export interface BenchArgs {
  readonly mode: BenchMode;
  readonly reps: number;
  readonly only?: readonly ScenarioName[];
  readonly peers?: readonly PeerName[];
  readonly writeReadme: boolean;
  readonly quiet: boolean;
}

export function parseArgs(given: readonly string[]): BenchArgs {
  // `pnpm bench -- --only x` hands the script a leading "--": the flags follow it.
  const argv = given[0] === "--" ? given.slice(1) : given;
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const list = (flag: string): string[] | undefined =>
    value(flag)
      ?.split(",")
      .filter((s) => s !== "");
  const known = new Set(["--smoke", "--reps", "--only", "--peers", "--no-readme", "--quiet"]);
  argv.forEach((arg, i) => {
    const takesValue = i > 0 && ["--reps", "--only", "--peers"].includes(argv[i - 1] as string);
    if (!takesValue && !known.has(arg))
      throw new Error(
        `unknown argument ${arg}; usage: main.ts [--smoke] [--reps N] [--only scenario,...] [--peers peer,...] [--no-readme] [--quiet] | --render results.json`,
      );
  });
  const mode: BenchMode = argv.includes("--smoke") ? "smoke" : "full";
  return {
    mode,
    reps: Number(value("--reps") ?? 3),
    ...(list("--only") === undefined ? {} : { only: list("--only") as ScenarioName[] }),
    ...(list("--peers") === undefined ? {} : { peers: list("--peers") as PeerName[] }),
    // Only a whole run replaces the README's tables: a narrowed one would drop the rest.
    writeReadme:
      mode === "full" &&
      list("--only") === undefined &&
      list("--peers") === undefined &&
      !argv.includes("--no-readme"),
    quiet: argv.includes("--quiet"),
  };
}

/**
 * Runs cases in one fresh process and returns what it printed after the marker, per case. With
 * `timeoutMs` the process is killed when it runs longer; without, the cases' own deadlines are
 * switched off too (see `withDeadline`), so only completion or a real failure ends them.
 */
function runCases(cases: readonly BenchCase[], timeoutMs: number | undefined): Promise<CaseResult[]> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        "--expose-gc",
        "--no-deprecation",
        // As a user runs workflow code: compiled by the transformer's node loader (see peers/bench-flows.workflow.ts).
        "--import",
        "@continuum/transformer/register",
        join(here, "run-case.ts"),
        JSON.stringify(cases),
      ],
      {
        cwd: benchDir,
        stdio: ["ignore", "pipe", "pipe"],
        env: timeoutMs === undefined ? { ...process.env, [noDeadlinesVariable]: "1" } : process.env,
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && child.pid !== undefined) void dropDatabasesOf(child.pid).catch(() => []);
      const got = out
        .split("\n")
        .filter((l) => l.startsWith(resultMarker))
        .map((l) => JSON.parse(l.slice(resultMarker.length)) as CaseResult);
      const why = signal === "SIGKILL" ? `killed after ${timeoutMs} ms` : `exited with ${code ?? signal}`;
      const missing = cases.slice(got.length).map((c): CaseResult => ({
        ...c,
        metrics: {},
        error: `${why}\n${err.split("\n").slice(-20).join("\n")}`,
        wallMs: Number.NaN,
      }));
      resolve([...got, ...missing]);
    });
  });
}

/** A group of cases run by one process, with its time limit (none in smoke mode). */
interface Job {
  readonly cases: readonly BenchCase[];
  readonly timeoutMs: number | undefined;
}

/**
 * The processes to start, in order. Full: one per case, peers rotating within each repetition
 * of each variant. Smoke: one per peer with all of its cases (and one limit for them all).
 */
export function jobsFor(plan: readonly PlannedScenario[], mode: BenchMode): Job[] {
  const ordered: Array<{ c: BenchCase; timeoutMs: number | undefined }> = [];
  for (const item of plan) {
    for (let rep = 0; rep < item.reps; rep += 1) {
      for (const peer of peerOrder(item.peers, rep)) {
        ordered.push({
          c: { scenario: item.scenario, peer, variant: item.variant, params: item.params, rep },
          timeoutMs: item.timeoutMs,
        });
      }
    }
  }
  if (mode === "full") return ordered.map(({ c, timeoutMs }) => ({ cases: [c], timeoutMs }));
  const byPeer = new Map<PeerName, Array<{ c: BenchCase; timeoutMs: number | undefined }>>();
  for (const o of ordered) byPeer.set(o.c.peer, [...(byPeer.get(o.c.peer) ?? []), o]);
  return [...byPeer.values()].map((os) => ({
    cases: os.map((o) => o.c),
    timeoutMs: os.some((o) => o.timeoutMs === undefined)
      ? undefined
      : Math.max(...os.map((o) => o.timeoutMs ?? 0)),
  }));
}

/** Runs the plan; results in the order taken. */
export async function runPlan(
  plan: readonly PlannedScenario[],
  mode: BenchMode,
  log: (line: string) => void,
  onResult?: (all: readonly CaseResult[]) => void,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  // Smoke figures mean nothing, so its per-peer processes run two at a time (the longest, the
  // embedded PGlite one, first); a full run never overlaps two cases.
  const jobs = jobsFor(plan, mode).sort((a, b) =>
    mode === "smoke"
      ? Number(b.cases[0]?.peer === "continuum-pglite") - Number(a.cases[0]?.peer === "continuum-pglite")
      : 0,
  );
  const lanes = mode === "smoke" ? 2 : 1;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++] as Job;
      for (const result of await runCases(job.cases, job.timeoutMs)) report(result);
    }
  };
  const report = (result: CaseResult): void => {
    results.push(result);
    const figures = Object.entries(result.metrics)
      .slice(0, 4)
      .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(2)}`)
      .join(" ");
    log(
      `${result.scenario} ${result.variant} rep ${result.rep + 1} ${result.peer}: ${result.error === undefined ? figures : `FAILED ${result.error.split("\n")[0]}`} (${(result.wallMs / 1000).toFixed(1)} s)`,
    );
    onResult?.(results);
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return results;
}

/** Machine, versions and settings, for the report. */
export interface RunContext {
  readonly date: string;
  readonly finishedAt: string;
  readonly cpus: string;
  readonly memory: string;
  readonly node: string;
  readonly server: ServerInfo;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly mode: BenchMode;
  readonly reps: number;
  /** Repository commit, and whether packages/core differed from it (other work in progress). */
  readonly commit: string;
  readonly coreChanges: string;
}

function repositoryState(): Pick<RunContext, "commit" | "coreChanges"> {
  const git = (...args: string[]): string => {
    try {
      return execFileSync("git", args, { cwd: benchDir, encoding: "utf8" }).trim();
    } catch {
      return "?";
    }
  };
  const changed = git("status", "--porcelain", "--", "../packages/core", "../migrations")
    .split("\n")
    .filter((l) => l.trim() !== "");
  return {
    commit: git("rev-parse", "--short", "HEAD"),
    coreChanges:
      changed.length === 0 ? "none" : `${changed.length} uncommitted file(s) in packages/core or migrations`,
  };
}

function restrict(plan: PlannedScenario[], args: BenchArgs): PlannedScenario[] {
  return plan
    .filter((p) => args.only === undefined || args.only.includes(p.scenario))
    .map((p) =>
      args.peers === undefined ? p : { ...p, peers: p.peers.filter((peer) => args.peers?.includes(peer)) },
    )
    .filter((p) => p.peers.length > 0);
}

function renderReadme(context: RunContext, body: string): string {
  const notesPath = join(benchDir, "readme-notes.md");
  const notes = existsSync(notesPath) ? readFileSync(notesPath, "utf8") : "";
  const [intro = "", analysis = ""] = notes.split("<!-- RESULTS -->");
  const settings = Object.entries(context.server.settings)
    .map(([k, v]) => `${k}=${v === "" ? "''" : v}`)
    .join(", ");
  const header = [
    `Run of ${context.date} (finished ${context.finishedAt}), mode \`${context.mode}\`, ${context.reps} repetitions (fewer where a table shows a single value).`,
    "",
    `- Machine: ${context.cpus}, ${context.memory} RAM. Load average (1/5/15 min) before/after: ${context.loadBefore.map((l) => l.toFixed(2)).join(" ")} / ${context.loadAfter.map((l) => l.toFixed(2)).join(" ")}.${
      (context.loadBefore[0] ?? 0) > 1
        ? " **The machine was not idle** when the run began (a 1-minute load above 1: builds or test suites ran just before it or alongside it, on the same CPUs and PostgreSQL server), so absolute figures are noisy; ratios come from cases interleaved in the same run."
        : " The load before the run was the machine's own (no other work); the load after is mostly the benchmark itself."
    }`,
    `- Code: commit ${context.commit}; uncommitted changes to packages/core and migrations during the run: ${context.coreChanges}.`,
    `- Node ${context.node}; PostgreSQL ${context.server.version} on 127.0.0.1:5432 (${settings}).`,
  ].join("\n");
  return `${intro.trimEnd()}\n\n## Results\n\n${header}\n\n${body}\n\n${analysis.trim()}\n`;
}

function machine(): Pick<RunContext, "cpus" | "memory" | "node"> {
  return {
    cpus: `${cpus().length} × ${cpus()[0]?.model.trim() ?? "?"}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
  };
}

/** Prints the tables and, for a full run, rewrites the README from `results`. */
function publish(context: RunContext, results: readonly CaseResult[], writeReadme: boolean): void {
  const aggs = aggregate(results);
  const body = [
    resultTables(aggs),
    "## Ratios (same run)",
    ratioTable(ratios(aggs)),
    "## Targets",
    targetTable(checkTargets(aggs)),
  ].join("\n\n");
  console.log(`\n${body}\n`);
  if (writeReadme) writeFileSync(join(benchDir, "README.md"), renderReadme(context, body));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === "--"));
  const renderFrom = argv.indexOf("--render");
  if (renderFrom >= 0) {
    // Re-render the README from saved results (e.g. a partial file of an interrupted run).
    const saved = JSON.parse(readFileSync(argv[renderFrom + 1] ?? "", "utf8")) as {
      context: RunContext;
      results: CaseResult[];
    };
    publish(saved.context, saved.results, true);
    return;
  }
  const args = parseArgs(argv);
  const plan = restrict(buildPlan(args.mode, args.reps), args);
  const loadBefore = loadavg();
  const date = new Date().toISOString();
  const server = await serverInfo();
  const started = performance.now();
  const repo = repositoryState();
  const contextNow = (): RunContext => ({
    date,
    finishedAt: new Date().toISOString(),
    ...machine(),
    server,
    loadBefore,
    loadAfter: loadavg(),
    mode: args.mode,
    reps: args.reps,
    ...repo,
  });
  const resultsDir = join(benchDir, "results");
  const save = (name: string, results: readonly CaseResult[]): void => {
    if (args.mode !== "full") return;
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, name), `${JSON.stringify({ context: contextNow(), results }, null, 1)}\n`);
  };
  const results = await runPlan(
    plan,
    args.mode,
    (line) => {
      if (!args.quiet) console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
    },
    (sofar) => save("partial.json", sofar),
  );
  const failed = results.filter((r) => r.error !== undefined);
  for (const f of failed) console.error(`FAILED ${f.scenario} ${f.variant} ${f.peer}: ${f.error}`);
  // A subset (--only, --peers) must not overwrite the last whole run's figures.
  save(args.only === undefined && args.peers === undefined ? "full.json" : "subset.json", results);
  publish(contextNow(), results, args.writeReadme);
  console.log(
    `${results.length} cases, ${failed.length} failed, ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  process.exitCode = failed.length > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
