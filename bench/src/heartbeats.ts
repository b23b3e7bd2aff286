/**
 * Statements per heartbeat flush with N attempts in flight: one workflow starts N activities
 * at once, each heartbeating every 20 ms for a few seconds; every heartbeat statement and every
 * batch the engine hands the journal is counted.
 *
 *   node src/heartbeats.ts [pg|pglite] [N...]      (default: pg 1 10 100)
 *
 * Statements are counted through `pg` only: on PGlite the columns of statements read 0, the
 * batch sizes still show.
 */
import {
  activity,
  activityContext,
  createClient,
  createEngine,
  defineActivity,
  openJournal,
  workflow,
} from "@continuum/core";
import pg from "pg";
import { createDatabase } from "./support/database.ts";

process.env.BENCH_STATEMENT_LOG ??= "1"; // before the counter module reads it
const { installStatementCounter, statementCounts, topStatements } =
  await import("./support/statement-counter.ts");
installStatementCounter();

const beatForMs = 5_000;

/** Heartbeats every 20 ms for `beatForMs`: far more often than the engine flushes. */
const beat = defineActivity(
  "bench.beat",
  async (i: number) => {
    const ctx = activityContext();
    let calls = 0;
    const until = performance.now() + beatForMs;
    while (performance.now() < until) {
      await ctx.heartbeat({ i, calls: ++calls });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return calls;
  },
  { timeoutMs: 60_000, heartbeatTimeoutMs: 3_000 },
);

/** `n` heartbeating activities at once. */
const fanOut = workflow.stamped({
  format: 1,
  versionHash: "benchbeatfan0001",
  cursors: ["activity:beat#0"],
  file: "bench/src/heartbeats.ts",
  line: 36,
})("bench.beat-fan-out", { version: 1 }, async (n: number) => {
  const calls = await Promise.all(
    Array.from({ length: n }, (_, i) => activity.at("activity:beat#0")(beat, i)),
  );
  return calls.reduce((a, b) => a + b, 0);
});

const embedded = process.argv[2] === "pglite";
const sizes = process.argv.slice(3).map(Number);
const db = embedded ? undefined : await createDatabase("continuum", "heartbeats");
const pool = db === undefined ? undefined : new pg.Pool({ connectionString: db.url, max: 10 });
const journal =
  pool === undefined
    ? await openJournal({ dataDir: "memory://" })
    : await openJournal({ pool, migrate: true });
const batches: number[] = [];
const heartbeatTasks = journal.heartbeatTasks.bind(journal);
journal.heartbeatTasks = (heartbeats) => {
  batches.push(heartbeats.length);
  return heartbeatTasks(heartbeats);
};
const engine = createEngine({
  journal,
  workflows: [fanOut],
  activities: [beat],
  concurrency: { workflows: 4, activities: 256 },
});
engine.start();
const client = createClient({ journal, engine });
const isHeartbeat = (text: string): boolean => /UPDATE continuum\.tasks AS t SET heartbeat_at/.test(text);
const heartbeatStatements = (): number =>
  topStatements(1_000)
    .filter((s) => isHeartbeat(s.text))
    .reduce((sum, s) => sum + s.count, 0);

console.log(
  `heartbeat flushes on ${embedded ? "PGlite" : "PostgreSQL"}, activities heartbeating every 20 ms for ${beatForMs / 1000} s`,
);
console.log(
  "N | heartbeat() calls | flushes | heartbeat statements | statements per flush | attempts per flush (mean, max) | all statements",
);
for (const n of sizes.length > 0 ? sizes : [1, 10, 100]) {
  batches.length = 0;
  const beforeBeats = heartbeatStatements();
  const beforeAll = statementCounts().total;
  const run = await client.start(fanOut, n);
  const calls = (await run.result({ timeoutMs: 120_000 })) as number;
  const statements = heartbeatStatements() - beforeBeats;
  const all = statementCounts().total - beforeAll;
  const mean = batches.reduce((a, b) => a + b, 0) / Math.max(1, batches.length);
  console.log(
    `${n} | ${calls} | ${batches.length} | ${statements} | ${(statements / Math.max(1, batches.length)).toFixed(2)} | ${mean.toFixed(1)}, ${Math.max(0, ...batches)} | ${all}`,
  );
}
await engine.stop({ graceful: true });
await journal.close();
await pool?.end();
await db?.drop();
