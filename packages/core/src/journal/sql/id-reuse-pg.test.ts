import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkflowIdReusePolicy } from "../../model/index.ts";
import type { Journal } from "../journal.ts";
import { migrate } from "./migrator.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import { createSqlJournal } from "./sql-journal.ts";
import {
  createServerDatabase,
  serverKysely,
  type ServerDatabase,
} from "./test-support/sql-test-databases.ts";

// Workflow id reuse under real concurrency: separate connection pools (as separate processes
// have) start the same ids at once on a PostgreSQL server.

const silent = { subscribe: () => () => {}, close: async () => {} };
let database: ServerDatabase;
let pools: SqlExecutor[] = [];

beforeAll(async () => {
  database = await createServerDatabase("id_reuse");
  pools = [serverKysely(database.url, 6), serverKysely(database.url, 6), serverKysely(database.url, 6)];
  await migrate(pools[0]!);
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.destroy()));
  await database?.drop();
});

const startOn = (journal: Journal, workflowId: string, idReusePolicy: WorkflowIdReusePolicy) =>
  journal.startRun({
    namespace: "ns",
    workflowId,
    workflowName: "wf",
    versionHash: "h",
    input: null,
    idReusePolicy,
  });

async function runsWithId(
  db: SqlExecutor,
  workflowId: string,
): Promise<Array<{ run_id: string; status: string }>> {
  const rows = await sql<{ run_id: string; status: string }>`
    SELECT run_id, status FROM continuum.runs WHERE namespace = 'ns' AND workflow_id = ${workflowId}`.execute(
    db,
  );
  return rows.rows;
}

describe("workflow id reuse on a real server", () => {
  it("many concurrent starts of one id under reject, from three pools, create exactly one run", async () => {
    const journals = pools.map((db) => createSqlJournal(db, { notifier: silent }));
    for (let round = 0; round < 10; round++) {
      const id = `reject-${round}`;
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => startOn(journals[i % journals.length]!, id, "reject")),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.run.runId)).size).toBe(1);
      expect(await runsWithId(pools[0]!, id)).toHaveLength(1);
    }
  });

  it("reject holds even when the winner's run closes before the loser inserts (the advisory lock, not only the index)", async () => {
    const [a, b] = pools as [SqlExecutor, SqlExecutor];
    const journalB = createSqlJournal(b, { notifier: silent });
    let releaseWinner!: () => void;
    const winnerMayCommit = new Promise<void>((resolve) => (releaseWinner = resolve));
    let loser: Promise<{ created: boolean }> | undefined;
    // The winner starts the id and closes its run in one transaction, and commits only once the
    // loser is waiting. The unique index covers open runs only, so it alone would let the loser in.
    const winner = a.transaction().execute(async (trx) => {
      const bound = createSqlJournal(trx, { notifier: silent });
      const { run, created } = await startOn(bound, "closed-fast", "reject");
      expect(created).toBe(true);
      await sql`UPDATE continuum.runs SET status = 'completed', ready_since = NULL, finished_at = now() WHERE run_id = ${run.runId}`.execute(
        trx,
      );
      loser = startOn(journalB, "closed-fast", "reject");
      await winnerMayCommit;
    });
    // wait (by condition) until the loser blocks on the winner's lock
    for (;;) {
      const waiting = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`.execute(a);
      if ((waiting.rows[0]?.n ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    releaseWinner();
    await winner;
    expect(await loser).toMatchObject({ created: false, run: { status: "completed" } });
    expect(await runsWithId(a, "closed-fast")).toHaveLength(1);
  });

  it("concurrent terminateExisting starts leave exactly one open run, every other one cancelled", async () => {
    const journals = pools.map((db) => createSqlJournal(db, { notifier: silent }));
    const results = await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        startOn(journals[i % journals.length]!, "replace-me", "terminateExisting"),
      ),
    );
    const runs = await runsWithId(pools[0]!, "replace-me");
    expect(runs.filter((r) => r.status === "running")).toHaveLength(1);
    expect(runs.filter((r) => r.status === "cancelled")).toHaveLength(runs.length - 1);
    expect(results.every((r) => r.created)).toBe(true);
  });
});
