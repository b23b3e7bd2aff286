import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../client/create-client.ts";
import { activity, defineActivity, signal, workflow } from "../../workflow/index.ts";
import { createEngine, type Engine } from "../../worker/create-engine.ts";
import type { Journal } from "../journal.ts";
import { openJournal } from "../open-journal.ts";
import { readHistoryRows } from "./run-queries.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import { createServerDatabase, memoryPglite, serverKysely } from "./test-support/sql-test-databases.ts";

// Opt-in history snapshots on PostgreSQL and PGlite: the step that crosses `every` writes one
// packed row; reads through it give exactly the events one by one; a cold rebuild after the
// engine is gone resumes from it; a damaged snapshot is ignored; the row goes with the run.

const file = "packages/core/src/journal/sql/history-snapshot.test.ts";
const add = defineActivity("ops.snapshot.add", async (i: number) => ({
  i,
  text: `v${i}`,
  nested: { z: 1, a: [i] },
}));
const long = workflow.stamped({ format: 1, versionHash: "ops-snapshot-long", cursors: [], file, line: 18 })(
  "ops.snapshot.long",
  { version: 1, snapshots: { every: 20 } },
  async (n: number) => {
    let total = 0;
    for (let i = 0; i < n; i++) total += (await activity.at("activity:ops.snapshot.add#0")(add, i)).i;
    const bonus = await signal.at("signal:go#0")<number>("go");
    return total + bonus;
  },
);

const backends = [
  {
    name: "PostgreSQL",
    async open() {
      const database = await createServerDatabase("ops_snapshots");
      const journal = await openJournal({ url: database.url, migrate: true });
      const db = serverKysely(database.url, 2);
      return {
        journal,
        db,
        close: async () => (await db.destroy(), await journal.close(), await database.drop()),
      };
    },
  },
  {
    name: "PGlite",
    async open() {
      const { pglite, db } = await memoryPglite();
      const journal = await openJournal({ kysely: db, pglite, migrate: true });
      return { journal, db, close: async () => (await journal.close(), await pglite.close()) };
    },
  },
];

for (const backend of backends) {
  describe(`history snapshots (${backend.name})`, () => {
    let journal: Journal;
    let db: SqlExecutor;
    let close: () => Promise<unknown>;
    beforeAll(async () => ({ journal, db, close } = await backend.open()), 60_000);
    afterAll(() => close?.());

    const engine = (): Engine => {
      const e = createEngine({
        journal,
        workflows: [long],
        activities: [add],
        pollIntervalMs: 20,
        partitions: false,
      });
      e.start();
      return e;
    };
    const snapshots = async (runId: string) =>
      (
        await sql<{
          seq: number;
        }>`SELECT seq FROM continuum.history_snapshots WHERE run_id = ${runId}`.execute(db)
      ).rows;

    it("writes one packed row past `every`, reads the same events through it, and a cold rebuild resumes from it", async () => {
      const client = createClient({ journal });
      let first = engine();
      const run = await client.start(long, 15);
      // 15 activities: 2 events each after run_started; wait until it waits for the signal.
      for (;;) {
        const current = await journal.getRun(run.runId);
        if ((current?.lastSeq ?? 0) >= 31) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const rows = await snapshots(run.runId);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.seq).toBeGreaterThanOrEqual(20);
      expect(rows[0]!.seq).toBeLessThan(31);
      const plain = await readHistoryRows(db, run.runId);
      expect(await journal.readHistory(run.runId)).toEqual(plain);
      expect(await journal.readHistory(run.runId, 10)).toEqual(plain.slice(10));
      expect(await journal.readHistory(run.runId, 25)).toEqual(plain.slice(25));

      // The engine is gone; another one rebuilds the execution from the snapshot and the tail.
      await first.stop({ graceful: true });
      first = engine();
      await client.signal(run.runId, "go", 1000);
      expect(await run.result({ timeoutMs: 60_000 })).toBe(1000 + (14 * 15) / 2);
      await first.stop({ graceful: true });
    });

    it("ignores a damaged snapshot and deletes snapshots with the run", async () => {
      const [row] = (
        await sql<{ run_id: string }>`SELECT run_id FROM continuum.history_snapshots LIMIT 1`.execute(db)
      ).rows;
      const runId = row!.run_id;
      const plain = await readHistoryRows(db, runId);
      await sql`UPDATE continuum.history_snapshots SET state = '[[1, "run_started", {}, 0]]' WHERE run_id = ${runId}`.execute(
        db,
      );
      expect(await journal.readHistory(runId)).toEqual(plain);
      const closedBefore = (await journal.now()) + 1;
      while ((await journal.deleteClosedRuns({ closedBefore, limit: 100 })).runs > 0);
      expect(await snapshots(runId)).toEqual([]);
    });
  });
}
