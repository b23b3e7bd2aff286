import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunClaim } from "../journal.ts";
import { migrate } from "./migrator.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import { createSqlJournal } from "./sql-journal.ts";
import { advanceTestClock } from "./test-clock.ts";
import { commitOf } from "./test-support/sql-adapter-cases.ts";
import {
  createServerDatabase,
  emptyJournal,
  serverKysely,
  type ServerDatabase,
} from "./test-support/sql-test-databases.ts";

/**
 * Regression (found in review): claimRuns reads a run's inbox in the statement that locks the
 * run row, so a step committed between the statement's snapshot and its lock must make it read
 * the inbox again. Real server only. To reproduce an interleaving inside ONE statement, the
 * test database's continuum.now() is replaced by a copy that, on connections started with
 * `-c review.block=on`, first waits for advisory lock 4242. A statement on such a connection
 * therefore stops at its first now() call: after it took its snapshot, before it locked any
 * run row. Connections without the setting are unaffected.
 */
let database: ServerDatabase;
let db: SqlExecutor;
let blocked: SqlExecutor;
const silent = { subscribe: () => () => {}, close: async () => {} };

beforeAll(async () => {
  database = await createServerDatabase("claim_snapshot");
  db = serverKysely(database.url, 4);
  await migrate(db);
  await sql`
    CREATE OR REPLACE FUNCTION continuum.now() RETURNS timestamptz LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      IF current_setting('review.block', true) = 'on' THEN
        PERFORM pg_advisory_lock_shared(4242);
        PERFORM pg_advisory_unlock_shared(4242);
      END IF;
      RETURN date_trunc('milliseconds', pg_catalog.now())
        + coalesce((SELECT o.offset_ms FROM continuum.test_clock_offset o), 0) * interval '1 millisecond';
    END $$`.execute(db);
  const pool = new pg.Pool({ connectionString: database.url, max: 1, options: "-c review.block=on" });
  blocked = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) });
});
afterAll(async () => {
  await blocked?.destroy();
  await db?.destroy();
  await database?.drop();
});

// No deadline: a busy machine may take long, and the runner's timeout catches a hang.
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe("regression: a claim whose run row moved on after its snapshot reads the inbox again", () => {
  it("a claim that takes over an expired lease while the old holder commits returns only what is undelivered (no signal received twice)", async () => {
    await emptyJournal(db);
    const j = createSqlJournal(db, { notifier: silent });
    const jb = createSqlJournal(blocked, { notifier: silent });
    const { run } = await j.startRun({ namespace: "ns", workflowName: "wf", versionHash: "h", input: null });
    await j.sendSignal({ runId: run.runId, name: "x", payload: 1 });
    const [a] = await j.claimRuns({ owner: "A", limit: 1, leaseMs: 1_000 });
    expect(a!.inbox.map((i) => i.event)).toEqual([{ kind: "signal_received", name: "x", payload: 1 }]);
    // Another signal keeps the run ready after A's step; then A's lease runs out (A is slow).
    await j.sendSignal({ runId: run.runId, name: "y", payload: 2 });
    await advanceTestClock(db, 5_000);

    const gate = new pg.Client({ connectionString: database.url });
    await gate.connect();
    try {
      await gate.query("SELECT pg_advisory_lock(4242)");
      // B's claim statement takes its snapshot (run ready, lease expired, x and y in the inbox)...
      const bClaim = jb.claimRuns({ owner: "B", limit: 1, leaseMs: 30_000 });
      await until(async () => {
        const waiting = await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`.execute(db);
        return Number(waiting.rows[0]?.n) > 0;
      });
      // ...A, not yet fenced (nobody took the lease), commits the step that delivers x...
      await j.commitStep(commitOf(a!));
      // ...and B's statement goes on: it locks the row at its newest version (lease still expired,
      // run still ready because of y) but reads the inbox as of its snapshot.
      await gate.query("SELECT pg_advisory_unlock(4242)");
      const [b] = await bClaim;
      expect(b).toBeDefined();
      const inboxNow = await sql<{
        id: string;
      }>`SELECT id FROM continuum.inbox WHERE run_id = ${run.runId} ORDER BY id`.execute(db);
      const names = (claim: RunClaim) =>
        claim.inbox.map((i) => (i.event.kind === "signal_received" ? i.event.name : i.event.kind));
      // What the claim reports must be what is undelivered now: y only.
      expect
        .soft({ names: names(b!), ids: b!.inbox.map((i) => String(i.id)) })
        .toEqual({ names: ["y"], ids: inboxNow.rows.map((r) => String(r.id)) });
      // The consequence: B's step, computed from that claim, commits x a second time.
      await j.commitStep(commitOf(b!));
      const received = (await j.readHistory(run.runId)).flatMap((e) =>
        e.kind === "signal_received" ? [e.name] : [],
      );
      expect(received).toEqual(["x", "y"]);
    } finally {
      await gate.end();
    }
  });
});
