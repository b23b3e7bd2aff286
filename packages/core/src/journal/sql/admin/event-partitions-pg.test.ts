import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../../client/create-client.ts";
import { activity, defineActivity, workflow } from "../../../workflow/index.ts";
import { createEngine, type Engine } from "../../../worker/create-engine.ts";
import type { Journal } from "../../journal.ts";
import { openJournal } from "../../open-journal.ts";
import type { SqlExecutor } from "../sql-fragments.ts";
import { advanceTestClock, resetTestClock } from "../test-clock.ts";
import {
  createServerDatabase,
  serverKysely,
  type ServerDatabase,
} from "../test-support/sql-test-databases.ts";

// The online conversion of a journal whose history sits in the default partition, while two
// engines run workflows and a client keeps starting runs: no event is lost, duplicated or
// changed, every run's history stays readable, and every run completes.

const file = "packages/core/src/journal/sql/admin/event-partitions-pg.test.ts";
const step = defineActivity("ops.partitions.step", async (i: number) => i * 2);
const loop = workflow.stamped({ format: 1, versionHash: "ops-partitions-loop", cursors: [], file, line: 18 })(
  "ops.partitions.loop",
  { version: 1 },
  async (n: number) => {
    let total = 0;
    for (let i = 0; i < n; i++) total += await activity.at("activity:ops.partitions.step#0")(step, i);
    return total;
  },
);

let database: ServerDatabase;
let db: SqlExecutor;
const journals: Journal[] = [];
const engines: Engine[] = [];

beforeAll(async () => {
  database = await createServerDatabase("ops_partitions");
  // No partitions ahead: everything lands in the default partition, as in a journal that ran
  // for months without one.
  journals.push(await openJournal({ url: database.url, migrate: true, partitionMonthsAhead: 0 }));
  db = serverKysely(database.url);
  const parts = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = to_regclass('continuum.events') AND c.relname <> 'events_default'`.execute(db);
  for (const part of parts.rows) await sql.raw(`DROP TABLE continuum.${part.name}`).execute(db);
}, 60_000);

afterAll(async () => {
  await Promise.all(engines.map((engine) => engine.stop({ graceful: false })));
  await Promise.all(journals.map((journal) => journal.close()));
  await db?.destroy();
  await database?.drop();
});

/** md5 of each run's events up to `upTo` (run id -> seq), and the checksum of them all. */
async function checksums(): Promise<Map<string, { lastSeq: number; md5: string }>> {
  const rows = await sql<{ run_id: string; last_seq: number; n: number; md5: string }>`
    SELECT e.run_id, r.last_seq, count(*)::int AS n,
      md5(string_agg(e.seq || ':' || e.kind || ':' || e.body::text || ':' || e.at::text, '|' ORDER BY e.seq)) AS md5
    FROM continuum.events e JOIN continuum.runs r USING (run_id) GROUP BY e.run_id, r.last_seq`.execute(db);
  return new Map(rows.rows.map((r) => [r.run_id, { lastSeq: r.last_seq, md5: r.md5 }]));
}

async function md5UpTo(runId: string, upTo: number): Promise<string | undefined> {
  const row = await sql<{ md5: string | null }>`
    SELECT md5(string_agg(seq || ':' || kind || ':' || body::text || ':' || at::text, '|' ORDER BY seq)) AS md5
    FROM continuum.events WHERE run_id = ${runId} AND seq <= ${upTo}`.execute(db);
  return row.rows[0]?.md5 ?? undefined;
}

describe("partitions ensure --convert on PostgreSQL, under load", () => {
  it("moves the default partition's months online: nothing lost or duplicated, runs go on", async () => {
    const client = createClient({ journal: journals[0]! });
    // 200 runs of up to 3 steps each written before the conversion starts (half of them finished).
    const first = await Promise.all(
      Array.from({ length: 200 }, (_, i) => client.start(loop, i % 2 === 0 ? 0 : 3, { id: `pre-${i}` })),
    );
    for (let i = 0; i < 2; i++) {
      const journal = await openJournal({ url: database.url, partitionMonthsAhead: 0 });
      journals.push(journal);
      const engine = createEngine({
        journal,
        workflows: [loop],
        activities: [step],
        pollIntervalMs: 20,
        partitions: false,
      });
      engines.push(engine);
      engine.start();
    }
    await first[1]!.result({ timeoutMs: 60_000 });
    const before = await checksums();
    const defaultRows = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM continuum.events_default`.execute(db);
    expect(defaultRows.rows[0]!.n).toBeGreaterThan(200);

    // More runs start while the conversion runs.
    let starting = true;
    const during: (typeof first)[number][] = [];
    const starter = (async () => {
      for (let i = 0; starting; i++) during.push(await client.start(loop, 3, { id: `during-${i}` }));
    })();
    const result = await journals[0]!.admin!.ensurePartitions({
      convert: true,
      wait: true,
      batchRuns: 25,
      monthsAhead: 2,
    });
    starting = false;
    await starter;
    expect(result.converted.length).toBe(1);
    expect(result.converted[0]!.runs).toBeGreaterThan(0);
    expect(during.length).toBeGreaterThan(0);

    for (const handle of [...first, ...during]) await handle.result({ timeoutMs: 60_000 });

    // Nothing of the month is left in the default partition; new runs land in the head partition.
    const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM continuum.events_default`.execute(
      db,
    );
    expect(left.rows[0]!.n).toBe(0);
    // Every event that existed before is there, unchanged, once.
    for (const [runId, was] of before) expect(await md5UpTo(runId, was.lastSeq)).toBe(was.md5);
    // Every run's history is exactly seq 1..last_seq, in one partition, readable through the journal.
    const shape = await sql<{ runs: number; bad: number; split: number }>`
      SELECT count(*)::int AS runs,
        count(*) FILTER (WHERE n <> last_seq OR max_seq <> last_seq)::int AS bad,
        count(*) FILTER (WHERE parts > 1)::int AS split
      FROM (SELECT r.run_id, r.last_seq, count(e.*) AS n, max(e.seq) AS max_seq, count(DISTINCT e.tableoid) AS parts
            FROM continuum.runs r LEFT JOIN continuum.events e USING (run_id) GROUP BY r.run_id, r.last_seq) x`.execute(
      db,
    );
    expect(shape.rows[0]).toEqual({ runs: 200 + during.length, bad: 0, split: 0 });
    const sample = first[1]!.runId;
    expect((await journals[0]!.readHistory(sample)).length).toBe(
      (
        await sql<{ n: number }>`SELECT last_seq AS n FROM continuum.runs WHERE run_id = ${sample}`.execute(
          db,
        )
      ).rows[0]!.n,
    );
    const listed = await journals[0]!.admin!.partitions();
    expect(listed.find((p) => p.kind === "default")).toMatchObject({ rows: 0, rowsExact: true });
    expect(listed.filter((p) => p.kind === "range").length).toBeGreaterThanOrEqual(3);
    // Idempotent: a second call finds nothing to do.
    expect(await journals[0]!.admin!.ensurePartitions({ convert: true, wait: true, monthsAhead: 2 })).toEqual(
      {
        created: [],
        converted: [],
        busy: false,
      },
    );
  });

  it("drop keeps every month a run still has history in, and drops it once its runs are deleted", async () => {
    await Promise.all(engines.splice(0).map((engine) => engine.stop({ graceful: false })));
    const journal = journals[0]!;
    // A run nobody serves: open for good, in this month's head partition.
    const { run: open } = await journal.startRun({
      namespace: "n",
      workflowName: "nobody",
      versionHash: "x",
      input: 0,
    });
    const parts = await journal.admin!.partitions();
    const head = parts.find((p) => p.name.endsWith("_head"))!;
    const bulk = parts.find((p) => p.from === secondDayOf(head.from!))!;
    // Two and a half months later, this month and the next are past.
    await advanceTestClock(db, 75 * 86_400_000);
    try {
      await journal.admin!.ensurePartitions({ monthsAhead: 2, wait: true });
      const cutoff = (await journal.admin!.partitions())
        .map((p) => p.to ?? "")
        .sort()
        .at(-1)!;
      const dry = await journal.admin!.dropPartitions({ before: cutoff });
      expect(dry.executed).toBe(false);
      const kept = new Map(dry.kept.map((k) => [k.partition.name, k]));
      expect(kept.get(head.name)).toMatchObject({ openRuns: 1 });
      expect(kept.get(bulk.name)).toMatchObject({ openRuns: 0 });
      expect(kept.get(bulk.name)!.closedRuns).toBeGreaterThan(0);
      expect(dry.dropped.map((p) => p.from)).toEqual([bulk.to]); // the empty month after
      // Nothing was dropped by the dry run.
      expect((await journal.admin!.partitions()).map((p) => p.name)).toEqual(
        expect.arrayContaining([head.name, bulk.name]),
      );

      // Closed runs deleted (retention or `continuum cleanup`), their month goes; the open run's stays.
      const closedBefore = await journal.now();
      while ((await journal.deleteClosedRuns({ closedBefore, limit: 500 })).runs > 0);
      const done = await journal.admin!.dropPartitions({ before: cutoff, execute: true });
      expect(done.dropped.map((p) => p.name).sort()).toEqual([bulk.name, dry.dropped[0]!.name].sort());
      expect(done.kept.map((k) => k.partition.name)).toEqual([head.name]);
      expect((await journal.readHistory(open.runId)).map((e) => e.kind)).toEqual(["run_started"]);
    } finally {
      await resetTestClock(db);
    }
  });
});

function secondDayOf(month: string): string {
  return `${month.slice(0, 8)}02`;
}

describe("the current month's partition, created while runs start (PostgreSQL)", () => {
  it("no start fails while the partition is created and attached: history writers wait for it", async () => {
    const scratch = await createServerDatabase("ops_partitions_current");
    const journal = await openJournal({ url: scratch.url, migrate: true, partitionMonthsAhead: 0 });
    const admin = serverKysely(scratch.url);
    try {
      const parts = await sql<{ name: string }>`
        SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = to_regclass('continuum.events') AND c.relname <> 'events_default'`.execute(admin);
      for (const part of parts.rows) await sql.raw(`DROP TABLE continuum.${part.name}`).execute(admin);
      const client = createClient({ journal });
      const waiting = async (atLeast: number): Promise<void> => {
        for (;;) {
          const found = await sql<{ n: number }>`
            SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted`.execute(admin);
          if (found.rows[0]!.n >= atLeast) return;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      const failures: unknown[] = [];
      const started: string[] = [];
      let ensuring: ReturnType<NonNullable<Journal["admin"]>["ensurePartitions"]> | undefined;
      let starting: Promise<void>[] = [];
      // A reader of the default partition holds the creation at its first lock on it, then
      // runs start (the month's first history) and queue behind the creation; then it lets go.
      await admin.transaction().execute(async (tx) => {
        await sql`LOCK TABLE continuum.events_default IN ACCESS SHARE MODE`.execute(tx);
        ensuring = journal.admin!.ensurePartitions({ monthsAhead: 1, wait: true });
        await waiting(1);
        starting = Array.from({ length: 4 }, (_, i) =>
          client.start(loop, 0, { id: `current-${i}` }).then(
            (run) => void started.push(run.runId),
            (error: unknown) => void failures.push(error),
          ),
        );
        await waiting(3);
      });
      const result = await ensuring!;
      await Promise.all(starting);
      expect(failures).toEqual([]);
      expect(started).toHaveLength(4);
      expect(result.created).toHaveLength(1);
      const inDefault = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM continuum.events_default`.execute(admin);
      expect(inDefault.rows[0]!.n).toBe(0); // routed to the new partition
      const written = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM continuum.events WHERE kind = 'run_started'`.execute(admin);
      expect(written.rows[0]!.n).toBe(4);
    } finally {
      await journal.close();
      await admin.destroy();
      await scratch.drop();
    }
  });
});
