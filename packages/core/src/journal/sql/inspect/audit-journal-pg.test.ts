import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Journal } from "../../journal.ts";
import { openJournal } from "../../open-journal.ts";
import { createScratchDatabase, type ScratchDatabase } from "../scratch-database.ts";
import type { SqlExecutor } from "../sql-fragments.ts";

// The audit finds each broken invariant: a journal is damaged here by SQL behind the
// journal's back (what a bad manual fix, a partial restore or a bug would leave).

const serverUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
let database: ScratchDatabase;
let journal: Journal;
let db: SqlExecutor;

beforeAll(async () => {
  database = await createScratchDatabase(serverUrl, "audit");
  journal = await openJournal({ url: database.url, migrate: true });
  db = new Kysely({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }),
  });
}, 60_000);

afterAll(async () => {
  await db?.destroy();
  await journal?.close();
  await database?.drop();
});

const start = async (workflowId: string) =>
  (await journal.startRun({ namespace: "n", workflowId, workflowName: "w", versionHash: "v", input: 1 })).run;

async function complete(runId: string): Promise<void> {
  const [claim] = (await journal.claimRuns({ owner: "e", limit: 10, leaseMs: 60_000 })).filter(
    (c) => c.run.runId === runId,
  );
  await journal.commitStep({
    lease: claim!.lease,
    lastSeq: claim!.run.lastSeq,
    delivered: claim!.inbox.map((i) => i.id),
    events: [
      { kind: "value_recorded", identity: "v#0@0", value: 1 },
      { kind: "run_completed", result: null },
    ],
    tasks: [],
    timers: [],
    cancelTimers: [],
    run: { status: "completed", result: null },
  });
}

describe("audit on PostgreSQL", () => {
  it("names each damaged run under its invariant, and nothing else", async () => {
    const gap = await start("gap");
    await complete(gap.runId);
    const dup = await start("dup");
    const orphanParent = await start("child-of-nobody");
    const done = await start("done-with-timer");
    await complete(done.runId);
    const stale = await start("stale-lease");
    await journal.claimRuns({ owner: "dead-engine", limit: 10, leaseMs: 60_000 });
    expect(Object.values((await journal.inspector!.audit()).findings).every((f) => f.count === 0)).toBe(true);

    await sql`DELETE FROM continuum.events WHERE run_id = ${gap.runId} AND seq = 2`.execute(db);
    await sql`INSERT INTO continuum.events (run_id, history_month, seq, kind, body, at)
      SELECT run_id, (history_month + interval '1 month')::date, seq, kind, body, at FROM continuum.events
      WHERE run_id = ${dup.runId} AND seq = 1`.execute(db);
    await sql`INSERT INTO continuum.events (run_id, history_month, seq, kind, body, at)
      VALUES ('ghost-run', date_trunc('month', now())::date, 1, 'run_started', '{}', now())`.execute(db);
    await sql`UPDATE continuum.runs SET parent_run_id = 'no-such-parent' WHERE run_id = ${orphanParent.runId}`.execute(
      db,
    );
    await sql`INSERT INTO continuum.timers (run_id, identity, fire_at, created_at)
      VALUES (${done.runId}, 'sleep#0@0', now(), now())`.execute(db);
    await sql`UPDATE continuum.runs SET lease_expires_at = now() - interval '1 hour' WHERE run_id = ${stale.runId}`.execute(
      db,
    );

    const { findings, runs } = await journal.inspector!.audit();
    expect(runs).toBe(5);
    expect(findings.history_gaps.sample).toEqual([
      { runId: gap.runId, detail: "2 distinct event(s), highest seq 3, lastSeq 3" },
    ]);
    expect(findings.history_duplicates.sample).toEqual([{ runId: dup.runId, detail: "1 duplicate seq(s)" }]);
    expect(findings.orphan_events.sample).toEqual([
      { runId: "ghost-run", detail: "1 event(s) of a run that does not exist" },
    ]);
    expect(findings.missing_parents.sample).toEqual([
      { runId: orphanParent.runId, detail: "parent no-such-parent does not exist" },
    ]);
    expect(findings.broken_chains.count).toBe(0);
    expect(findings.finished_runs_with_work.sample).toEqual([
      { runId: done.runId, detail: "completed but has 1 timer(s)" },
    ]);
    expect(findings.leases_past_expiry.sample).toEqual([
      { runId: stale.runId, detail: "run lease of dead-engine expired" },
    ]);
  });
});
