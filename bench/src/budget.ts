/**
 * The write budget of one 3-step workflow on PostgreSQL, measured: every statement the process
 * sends, every row version (heap tuple) and index entry the server writes, per table and index,
 * and the WAL bytes, per workflow. Load-insensitive, so it can be rerun on a busy machine.
 *
 *   node bench/src/budget.ts [runs=200] [concurrency=1] [workflows/activities: engine concurrency, default the engine's]
 *
 * How: a scratch database (dropped after), engine and client with their defaults, the bench's
 * 3-step workflow compiled by the transformer's loader, `run.result()` awaited as a user does.
 * After 20 warm-up runs, the WAL between two `pg_current_wal_lsn()` readings is read back with
 * pg_walinspect (PostgreSQL 15+, superuser) and attributed to this database's relations by their
 * file nodes: heap INSERT / UPDATE / HOT_UPDATE / DELETE records are row versions, btree
 * INSERT_LEAF / INSERT_POST and GIN inserts are index entries, and every record of a transaction
 * that touched the database (its COMMIT included) counts towards its WAL bytes. The same window's
 * pg_stat_user_tables deltas are printed next to them as a cross-check (the backends flush their
 * counters when idle for 10 s or when they exit, so the script waits for that).
 */
import pg from "pg";
import { runUnderTransformerLoader } from "./support/transformer-loader.ts";

// Workflow code runs as a user's does: compiled by the transformer's node loader.
runUnderTransformerLoader(import.meta.url, { BENCH_STATEMENT_LOG: "1" });

const { createClient, createEngine, openJournal } = await import("@continuum/core");
const { createDatabase } = await import("./support/database.ts");
const { installStatementCounter, topStatements } = await import("./support/statement-counter.ts");
const { benchActivities, benchWorkflows, threeStep } = await import("./peers/continuum-workflows.ts");
const { readWalWindow, readTableStats, tableStatsDelta } = await import("./support/wal-budget.ts");

installStatementCounter();
const runs = Number(process.argv[2] ?? 200);
const concurrency = Number(process.argv[3] ?? 1);
// A what-if for the engine defaults ("64/100": concurrency.workflows/activities); absent, the engine's own.
const slots = process.argv[4]?.split("/").map(Number);
const warmUp = 20;
const db = await createDatabase("continuum", "budget");
const admin = new pg.Client({ connectionString: db.url, application_name: "continuum-bench-budget" });
try {
  await admin.connect();
  await admin.query("CREATE EXTENSION IF NOT EXISTS pg_walinspect");
  const journal = await openJournal({ url: db.url, migrate: true });
  const engine = createEngine({
    journal,
    workflows: benchWorkflows,
    activities: benchActivities,
    ...(slots === undefined
      ? {}
      : { concurrency: { workflows: slots[0], activities: slots[1] ?? slots[0] } }),
  });
  engine.start();
  const client = createClient({ journal, engine });
  const runBatch = async (count: number, offset: number): Promise<void> => {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        const run = await client.start(threeStep, offset + i);
        await run.result();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  };
  await runBatch(warmUp, -warmUp);
  // Idle backends flush their table counters after 10 s of idleness (PostgreSQL 15).
  await new Promise((r) => setTimeout(r, 11_000));
  // Keeps the window's WAL from being recycled by a checkpoint before it is read back (a busy
  // server can go through several segments in a minute); dropped with the admin session.
  await admin.query("SELECT pg_create_physical_replication_slot($1, true, true)", [
    `continuum_budget_${process.pid}`,
  ]);
  const statsBefore = await readTableStats(admin);
  const statementsBefore = new Map(topStatements(1000).map((s) => [s.text, s.count]));
  const lsnBefore = (await admin.query<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn")).rows[0]!
    .lsn;
  await runBatch(runs, 0);
  const lsnAfter = (await admin.query<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn")).rows[0]!
    .lsn;
  const statements = topStatements(1000)
    .map((s) => ({ text: s.text, count: s.count - (statementsBefore.get(s.text) ?? 0) }))
    .filter((s) => s.count > 0 && !s.text.startsWith("SELECT pg_current_wal_lsn"));
  await engine.stop();
  await journal.close(); // its backends exit and flush their counters
  await new Promise((r) => setTimeout(r, 1_500));
  const stats = tableStatsDelta(statsBefore, await readTableStats(admin));
  const wal = await readWalWindow(admin, lsnBefore, lsnAfter);

  const per = (n: number): string => (n / runs).toFixed(2);
  console.log(
    `# Write budget per 3-step workflow: ${runs} runs at concurrency ${concurrency}, ${
      slots === undefined ? "engine defaults" : `engine concurrency ${slots.join("/")} (workflows/activities)`
    }`,
  );
  console.log(`\n## Statements sent by the process (per workflow; every pool and LISTEN connection)\n`);
  console.log("| per wf | statement |\n| ---: | --- |");
  for (const s of statements.sort((a, b) => b.count - a.count))
    console.log(`| ${per(s.count)} | \`${s.text.slice(0, 110).replace(/\|/g, "\\|")}\` |`);
  const totalStatements = statements.reduce((a, s) => a + s.count, 0);
  console.log(`| **${per(totalStatements)}** | total |`);

  console.log(`\n## Row versions written, from the WAL (per workflow)\n`);
  console.log("| table | insert | update | of which HOT | delete | row locks | pg_stat ins/upd/hot/del |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
  const totals = { insert: 0, update: 0, hot: 0, delete: 0, lock: 0 };
  for (const [table, h] of [...wal.heap.entries()].sort()) {
    const s = stats.get(table);
    totals.insert += h.insert;
    totals.update += h.update + h.hot;
    totals.hot += h.hot;
    totals.delete += h.delete;
    totals.lock += h.lock;
    console.log(
      `| ${table} | ${per(h.insert)} | ${per(h.update + h.hot)} | ${per(h.hot)} | ${per(h.delete)} | ${per(h.lock)} | ${
        s === undefined ? "–" : `${per(s.ins)} / ${per(s.upd)} / ${per(s.hot)} / ${per(s.del)}`
      } |`,
    );
  }
  const versions = totals.insert + totals.update + totals.delete;
  console.log(
    `| **all** | ${per(totals.insert)} | ${per(totals.update)} | ${per(totals.hot)} | ${per(totals.delete)} | ${per(totals.lock)} | |`,
  );
  console.log(
    `\nRow versions: ${per(versions)} per workflow (insert + update + delete); HOT share of updates: ${
      totals.update === 0 ? "–" : `${((100 * totals.hot) / totals.update).toFixed(0)}%`
    }.`,
  );

  console.log(`\n## Index entries written, from the WAL (per workflow)\n`);
  console.log("| index | entries |\n| --- | ---: |");
  let entries = 0;
  for (const [index, n] of [...wal.indexEntries.entries()].sort((a, b) => b[1] - a[1])) {
    entries += n;
    console.log(`| ${index} | ${per(n)} |`);
  }
  console.log(`| **all** | ${per(entries)} |`);

  console.log(`\n## WAL (per workflow)\n`);
  console.log(`- records of this database's transactions: ${per(wal.records)}, ${per(wal.bytes)} bytes`);
  console.log(`  (of which full-page images ${per(wal.fpiBytes)} bytes; commits ${per(wal.commits)})`);
  console.log(`- whole server over the window (other databases included): ${per(wal.serverBytes)} bytes`);
  console.log(
    `\nSUMMARY statements=${per(totalStatements)} rowVersions=${per(versions)} hotShare=${
      totals.update === 0 ? 0 : (totals.hot / totals.update).toFixed(2)
    } indexEntries=${per(entries)} walBytes=${per(wal.bytes)} walBytesNoFpi=${per(wal.bytes - wal.fpiBytes)}`,
  );
} finally {
  await admin.end().catch(() => undefined);
  await db.drop();
}
