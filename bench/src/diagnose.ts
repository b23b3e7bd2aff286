/**
 * Where one 3-step Continuum workflow spends its time: every engine event with its offset from
 * the start, and the statements sent, for a few runs one at a time.
 *
 *   node src/diagnose.ts [pg|pglite] [runs]
 */
import { createClient, createEngine, openJournal } from "@continuum/core";
import pg from "pg";
import { createCompletions } from "./support/closed-loop.ts";
import { createDatabase } from "./support/database.ts";
import { installStatementCounter, statementCounts, topStatements } from "./support/statement-counter.ts";
import { benchActivities, benchWorkflows, threeStep } from "./peers/continuum-workflows.ts";
import { runUnderTransformerLoader } from "./support/transformer-loader.ts";

// Workflow code runs as a user's does: compiled by the transformer's node loader.
runUnderTransformerLoader(import.meta.url);

installStatementCounter();
const embedded = process.argv[2] === "pglite";
const runs = Number(process.argv[3] ?? 5);
const db = embedded ? undefined : await createDatabase("continuum", "diagnose");
const pool = db === undefined ? undefined : new pg.Pool({ connectionString: db.url, max: 10 });
const journal =
  pool === undefined
    ? await openJournal({ dataDir: "memory://" })
    : await openJournal({ pool, migrate: true });
const engine = createEngine({ journal, workflows: benchWorkflows, activities: benchActivities });
const completions = createCompletions();
let t0 = 0;
let trace: string[] = [];
const names = [
  "run.started",
  "run.completed",
  "activity.scheduled",
  "activity.started",
  "activity.completed",
  "step.committed",
  "lease.acquired",
  "replay.started",
  "timer.fired",
] as const;
for (const name of names) {
  engine.events.on(name, (e: object) => {
    const extra =
      "durationMs" in e ? ` (step ${(e as { durationMs: number }).durationMs.toFixed(1)} ms)` : "";
    trace.push(`${(performance.now() - t0).toFixed(1).padStart(7)} ms  ${name}${extra}`);
  });
}
engine.events.on("run.completed", (e) => completions.resolve(e.runId));
engine.start();
const client = createClient({ journal, engine });
for (let i = 0; i < runs; i += 1) {
  trace = [];
  const before = statementCounts().total;
  t0 = performance.now();
  const run = await client.start(threeStep, i);
  trace.push(`${(performance.now() - t0).toFixed(1).padStart(7)} ms  client.start returned`);
  await completions.wait(run.runId);
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 300));
  console.log(
    `run ${i}: ${ms.toFixed(1)} ms, ${statementCounts().total - before} statements (incl. 300 ms idle after)\n${trace.join("\n")}\n`,
  );
}
await engine.stop();
await journal.close();
await pool?.end();
await db?.drop();
if (process.env.BENCH_STATEMENT_LOG !== undefined)
  for (const s of topStatements(40))
    console.log(String(s.count).padStart(6), `${s.ms.toFixed(0).padStart(6)} ms`, s.text);
