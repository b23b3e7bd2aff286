// Disk per run, per event and per index for the 3-step workflow on PostgreSQL, measured:
// `node bench/sizing/history-sizing.ts [runs]` (default 3000) against TEST_DATABASE_URL's server.
// Creates a scratch database, runs the workflows through an engine, VACUUM ANALYZEs, and prints
// pg_total_relation_size / pg_relation_size / pg_indexes_size per table and index, divided by
// runs and events. The scratch database is dropped at the end.
import { createClient, createEngine, openJournal } from "@continuum/core";
import pg from "pg";
import { benchActivities, threeStep } from "../src/peers/continuum-workflows.ts";

const server = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const runs = Number(process.argv[2] ?? 3000);
const name = `ctm_ops_sizing_${process.pid}`;
const admin = new pg.Client({ connectionString: server });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(server);
url.pathname = `/${name}`;
try {
  const journal = await openJournal({ url: url.toString(), migrate: true });
  const engine = createEngine({
    journal,
    workflows: [threeStep],
    activities: benchActivities,
    workflowConcurrency: 64,
    activityConcurrency: 64,
  });
  engine.start();
  const client = createClient({ journal, engine });
  for (let done = 0; done < runs; done += 100) {
    const handles = await Promise.all(
      Array.from({ length: Math.min(100, runs - done) }, (_, i) => client.start(threeStep, done + i)),
    );
    await Promise.all(handles.map((h) => h.result({ timeoutMs: 300_000 })));
  }
  await engine.stop({ graceful: true });
  await journal.close();
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  await db.query("VACUUM ANALYZE");
  const counts = (
    await db.query(
      "SELECT (SELECT count(*) FROM continuum.runs)::int AS runs, (SELECT count(*) FROM continuum.events)::int AS events, (SELECT count(*) FROM continuum.tasks)::int AS tasks",
    )
  ).rows[0];
  const tables = (
    await db.query(`
    SELECT c.relname AS name, pg_total_relation_size(c.oid)::bigint AS total, pg_relation_size(c.oid)::bigint AS heap,
      pg_indexes_size(c.oid)::bigint AS indexes, coalesce(pg_total_relation_size(c.reltoastrelid), 0)::bigint AS toast
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'continuum' AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid) DESC`)
  ).rows;
  const indexes = (
    await db.query(`
    SELECT i.relname AS index, t.relname AS table, pg_relation_size(i.oid)::bigint AS bytes
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = 'continuum' AND t.relkind = 'r' AND pg_relation_size(i.oid) > 8192 ORDER BY 3 DESC`)
  ).rows;
  await db.end();
  const total = tables.reduce((s, t) => s + Number(t.total), 0);
  console.log(
    JSON.stringify(
      {
        ...counts,
        bytesTotal: total,
        bytesPerRun: Math.round(total / counts.runs),
        eventsPerRun: counts.events / counts.runs,
      },
      null,
      2,
    ),
  );
  console.log("table\ttotal\theap\tindexes\ttoast\tper run");
  for (const t of tables.filter((t) => Number(t.total) > 16384))
    console.log(
      `${t.name}\t${t.total}\t${t.heap}\t${t.indexes}\t${t.toast}\t${Math.round(Number(t.total) / counts.runs)}`,
    );
  console.log("index\ttable\tbytes\tper run");
  for (const i of indexes)
    console.log(`${i.index}\t${i.table}\t${i.bytes}\t${Math.round(Number(i.bytes) / counts.runs)}`);
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
