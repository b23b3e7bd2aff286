/**
 * Plans of the statements on Continuum's hot path, on a journal holding `runs` finished 3-step
 * runs (default 2,000): whether their cost can grow with the journal's size.
 *
 *   node src/explain.ts [runs]
 */
import { createClient, createEngine, openJournal } from "@continuum/core";
import pg from "pg";
import { closedLoop, createCompletions } from "./support/closed-loop.ts";
import { createDatabase } from "./support/database.ts";
import { benchActivities, benchWorkflows, threeStep } from "./peers/continuum-workflows.ts";
import { runUnderTransformerLoader } from "./support/transformer-loader.ts";

// Workflow code runs as a user's does: compiled by the transformer's node loader.
runUnderTransformerLoader(import.meta.url);

const runs = Number(process.argv[2] ?? 2000);
const db = await createDatabase("continuum", "explain");
const pool = new pg.Pool({ connectionString: db.url, max: 10 });
pool.on("error", () => {});
try {
  const journal = await openJournal({ pool, migrate: true });
  const engine = createEngine({
    journal,
    workflows: benchWorkflows,
    activities: benchActivities,
    concurrency: { workflows: 50, activities: 50 },
  });
  const completions = createCompletions();
  engine.events.on("run.completed", (e) => completions.resolve(e.runId));
  engine.start();
  const client = createClient({ journal });
  const ms = await closedLoop(runs, 50, async (i) => {
    const run = await client.start(threeStep, i);
    await completions.wait(run.runId);
  });
  console.log(`${runs} runs in ${ms.toFixed(0)} ms`);
  await engine.stop();
  await journal.close();
  await pool.query("ANALYZE");
  const sizes = await pool.query(
    "SELECT relname, n_live_tup, n_dead_tup, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE schemaname = 'continuum' ORDER BY relname",
  );
  console.table(sizes.rows);
  const statements: Array<[string, string]> = [
    [
      "claimRuns candidates",
      `SELECT run_id, ready_since FROM continuum.runs WHERE ready_since IS NOT NULL AND (lease_owner IS NULL OR lease_owner = 'me' OR lease_expires_at <= continuum.now()) AND workflow_name IN ('bench.three-step') ORDER BY ready_since LIMIT 16 FOR NO KEY UPDATE SKIP LOCKED`,
    ],
    [
      "claimTasks candidates",
      `SELECT task_id FROM continuum.tasks WHERE status IN ('pending', 'running') AND available_at <= continuum.now() AND NOT (status = 'running' AND attempt >= max_attempts) AND EXISTS (SELECT 1 FROM continuum.runs r WHERE r.run_id = tasks.run_id AND r.status NOT IN ('completed', 'failed', 'cancelled', 'continued')) AND activity_name IN ('bench.noop') ORDER BY available_at, created_at, task_id LIMIT 32 FOR UPDATE SKIP LOCKED`,
    ],
    [
      "failAbandonedLastAttempts",
      `SELECT task_id FROM continuum.tasks WHERE status = 'running' AND available_at <= continuum.now() AND attempt >= max_attempts ORDER BY available_at FOR UPDATE SKIP LOCKED`,
    ],
    [
      "dropTasksOfFinishedRuns",
      `SELECT t.task_id FROM continuum.tasks t JOIN continuum.runs r ON r.run_id = t.run_id WHERE t.status = 'running' AND t.available_at <= continuum.now() AND r.status IN ('completed', 'failed', 'cancelled', 'continued') FOR UPDATE OF t SKIP LOCKED`,
    ],
    [
      "nextDueAt",
      `SELECT LEAST((SELECT min(fire_at) FROM continuum.timers), (SELECT min(available_at) FROM continuum.tasks WHERE status IN ('pending', 'running'))) AS due`,
    ],
  ];
  const explain = async (name: string, text: string): Promise<void> => {
    for (const attempt of ["first", "second"]) {
      const plan = await pool.query(`EXPLAIN (ANALYZE, BUFFERS, SUMMARY) ${text}`);
      console.log(
        `\n== ${name} (${attempt} execution)\n${plan.rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n")}`,
      );
    }
  };
  for (const [name, text] of statements) await explain(name, text);
  await pool.query("VACUUM continuum.runs");
  await explain("claimRuns candidates after VACUUM", statements[0]?.[1] ?? "");
} finally {
  await pool.end();
  await db.drop();
}
