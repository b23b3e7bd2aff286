/**
 * Benchmark cases in their own process (so memory, CPU and library singletons never leak
 * between peers): `node --expose-gc src/run-case.ts '<BenchCase[] as JSON>'`. The full run
 * passes one case per process; the smoke run passes all of one peer's cases to one process, to
 * pay each peer's start-up once. Prints each result as one line after {@link resultMarker}.
 */
import { resultMarker, type BenchCase, type CaseResult, type PeerDriver, type PeerName } from "./case.ts";
import { installStatementCounter, topStatements } from "./support/statement-counter.ts";
import { runUnderTransformerLoader } from "./support/transformer-loader.ts";

// Workflow code runs as a user's does: compiled by the transformer's node loader.
runUnderTransformerLoader(import.meta.url);

async function driverFor(peer: PeerName): Promise<PeerDriver> {
  switch (peer) {
    case "continuum-pg":
      return (await import("./peers/continuum.ts")).continuumDriver();
    case "continuum-pglite":
      return (await import("./peers/continuum.ts")).continuumDriver("memory");
    case "continuum-pglite-dir":
      return (await import("./peers/continuum.ts")).continuumDriver("dir");
    case "dbos":
      return (await import("./peers/dbos.ts")).dbosDriver;
    case "pg-boss":
      return (await import("./peers/pg-boss.ts")).pgBossDriver;
    case "graphile-worker":
      return (await import("./peers/graphile-worker.ts")).graphileDriver;
    case "pg-raw":
      return (await import("./peers/pg-raw.ts")).pgRawDriver;
  }
}

async function runOne(benchCase: BenchCase): Promise<void> {
  const started = performance.now();
  let result: CaseResult;
  try {
    const run = (await driverFor(benchCase.peer))[benchCase.scenario];
    if (run === undefined) throw new Error(`${benchCase.peer} does not take part in ${benchCase.scenario}`);
    const metrics = await run(benchCase.params);
    result = { ...benchCase, metrics, wallMs: performance.now() - started };
  } catch (error) {
    result = {
      ...benchCase,
      metrics: {},
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      wallMs: performance.now() - started,
    };
  }
  if (process.env.BENCH_STATEMENT_LOG !== undefined) {
    for (const { text, count, ms } of topStatements())
      process.stderr.write(`${String(count).padStart(7)} ${ms.toFixed(0).padStart(7)} ms  ${text}\n`);
  }
  process.stdout.write(`\n${resultMarker}${JSON.stringify(result)}\n`);
}

async function main(): Promise<void> {
  const parsed = JSON.parse(process.argv[2] ?? "[]") as BenchCase | BenchCase[];
  installStatementCounter();
  for (const benchCase of Array.isArray(parsed) ? parsed : [parsed]) await runOne(benchCase);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
