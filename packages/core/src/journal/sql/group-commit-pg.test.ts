import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { options, stepCommit, task } from "../../testing/conformance/conformance-harness.ts";
import { after, openRuns, stepAfter } from "../../testing/conformance/group-commit-conformance.ts";
import type { FirstStepStart, RunClaim, StepCommit } from "../journal.ts";
import { fitsBatch, batchStatement, commitStepsInBatch } from "./commit-steps-in-batch.ts";
import { batchableStart, startBatchStatement, startRunsInBatch } from "./start-runs-in-batch.ts";
import { migrate } from "./migrator.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import { createSqlJournal } from "./sql-journal.ts";
import {
  createServerDatabase,
  emptyJournal,
  type ServerDatabase,
} from "./test-support/sql-test-databases.ts";

/**
 * Group commit on the real server: the batch statement itself (what it writes and declines,
 * that its run row updates stay HOT, its plan over a large runs table) and that concurrent
 * steps really leave as one statement. The conformance suite checks on every journal that
 * steps committed at once come out as if committed alone.
 */
let database: ServerDatabase;
let db: SqlExecutor;
/** The statements that reached the server, as text. */
const statements: string[] = [];
const silent = { subscribe: () => () => {}, close: async () => {} };

beforeAll(async () => {
  database = await createServerDatabase("steps_in_batch");
  const pool = new pg.Pool({ connectionString: database.url, max: 1 });
  db = new Kysely<Record<string, never>>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => void statements.push(event.query.sql),
  });
  await migrate(db);
}, 60_000);
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

/** The run table's update counters, flushed (see hot-first-step-pg.test.ts for how). */
async function runUpdates(): Promise<{ updated: number; hot: number }> {
  await sql`SELECT pg_stat_force_next_flush()`.execute(db);
  await sql`SELECT pg_stat_clear_snapshot()`.execute(db);
  const found = await sql<{ updated: string; hot: string }>`
    SELECT n_tup_upd::text AS updated, n_tup_hot_upd::text AS hot FROM pg_stat_user_tables
    WHERE schemaname = 'continuum' AND relname = 'runs'`.execute(db);
  return { updated: Number(found.rows[0]?.updated ?? 0), hot: Number(found.rows[0]?.hot ?? 0) };
}

describe("group commit on PostgreSQL", () => {
  it("one statement writes every current step, HOT, and declines a stale one, which it leaves untouched", async () => {
    await emptyJournal(db);
    const journal = createSqlJournal(db, { notifier: silent, groupCommit: false });
    const runs = await openRuns(journal, 4);
    const steps = runs.map((run, i) => stepAfter(run, i, { next: "activity:act#1@0" }));
    // Run 2's row moved on since its engine saw it (as after a renewal by another writer).
    const stale = { ...steps[2]!, runVersion: "1" };
    const batch = [steps[0]!, steps[1]!, stale, steps[3]!];
    expect(batch.every((step) => fitsBatch(db, step))).toBe(true);
    await sql`SELECT pg_stat_force_next_flush()`.execute(db);
    const before = await runUpdates();
    statements.length = 0;
    const results = await commitStepsInBatch(db, batch as Parameters<typeof commitStepsInBatch>[1]);
    const updates = await runUpdates();
    expect(statements.filter((text) => text.includes("json_to_recordset"))).toHaveLength(1);
    expect(results.map((r) => r === undefined)).toEqual([false, false, true, false]);
    expect({ updated: updates.updated - before.updated, hot: updates.hot - before.hot }).toEqual({
      updated: 3,
      hot: 3,
    });
    for (const [i, result] of results.entries()) {
      const runId = runs[i]!.claim.run.runId;
      const kinds = (await journal.readHistory(runId)).map((e) => e.kind);
      if (result === undefined) {
        expect(kinds).toEqual(["run_started", "activity_scheduled"]);
        continue;
      }
      expect(result.lastSeq).toBe(4);
      expect(result.claimedTasks?.map((c) => [c.identity, c.inProcess])).toEqual([
        ["activity:act#1@0", true],
      ]);
      expect(kinds).toEqual([
        "run_started",
        "activity_scheduled",
        "activity_completed",
        "activity_scheduled",
      ]);
      // The version returned is the row's: the next step of the run can go in one statement again.
      const next = after(runs[i]!, result);
      const [ended] = await commitStepsInBatch(db, [stepAfter(next, "done", { end: "ok" }) as never]);
      expect(ended?.lastSeq).toBe(6);
      expect((await journal.getRun(runId))?.status).toBe("completed");
    }
  });

  it("a batched step leaves its run row and history exactly as the one-run statement does", async () => {
    await emptyJournal(db);
    const journal = createSqlJournal(db, { notifier: silent, groupCommit: false });
    /** What a step leaves of its run, with the run id and clock values taken out. */
    const stateOf = async (runId: string) => {
      const found = await sql<Record<string, unknown>>`
        SELECT status, last_seq, result::text AS result, error::text AS error, fencing_token, lease_owner,
          not_before IS NULL AS no_not_before, ready_since IS NULL AS not_ready, finished_at IS NULL AS open,
          (lease_expires_at - updated_at)::text AS lease_left, in_process_calls, has_in_process
        FROM continuum.runs WHERE run_id = ${runId}`.execute(db);
      const history = (await journal.readHistory(runId)).map(({ seq, kind, at: _at, ...rest }) => ({
        seq,
        kind,
        ...rest,
      }));
      return { row: found.rows[0], history };
    };
    const pair = async (make: () => Promise<{ runId: string; step: StepCommit }>) => {
      const alone = await make();
      const batched = await make();
      const a = await journal.commitStep(alone.step);
      const [b] = await commitStepsInBatch(db, [
        batched.step as Parameters<typeof commitStepsInBatch>[1][number],
      ]);
      expect(b).toBeDefined();
      expect({ ...b, runVersion: "", now: 0, claimedTasks: b?.claimedTasks?.length }).toEqual({
        ...a,
        runVersion: "",
        now: 0,
        claimedTasks: a.claimedTasks?.length,
      });
      expect(await stateOf(batched.runId)).toEqual(await stateOf(alone.runId));
    };
    const lease = { owner: "engine-a", leaseMs: 30_000 };
    const call = (identity: string) => ({
      ...task(identity, "act", [1], options()),
      claim: true as const,
      inProcess: true as const,
    });
    // The first step of an eager start, inside its window (the row keeps its deferral).
    await pair(async () => {
      const { claim } = await journal.startRun({
        namespace: "default",
        workflowName: "wf",
        versionHash: "v1",
        input: null,
        lease,
      });
      return {
        runId: claim!.run.runId,
        step: stepCommit(claim!, { tasks: [call("activity:act#0@0")], leaseMs: 60_000 }),
      };
    });
    // A step that finishes one in-process call and starts the next, then final steps.
    await pair(async () => {
      const [run] = await openRuns(journal, 1);
      return { runId: run!.claim.run.runId, step: stepAfter(run!, 7, { next: "activity:act#1@0" }) };
    });
    for (const end of [{ a: [1, "\u00e9"] }, null, undefined]) {
      await pair(async () => {
        const [run] = await openRuns(journal, 1);
        return { runId: run!.claim.run.runId, step: stepAfter(run!, 7, { end }) };
      });
    }
  });

  it("two steps of one run in one batch: the row takes one, and the other writes nothing", async () => {
    await emptyJournal(db);
    const journal = createSqlJournal(db, { notifier: silent, groupCommit: false });
    const [run] = await openRuns(journal, 1);
    // A fenced-off step with events, and the current engine's step with none (the empty step
    // at the end of an eager window), in one batch.
    const stale = { ...stepAfter(run!, 1, { next: "activity:act#1@0" }), runVersion: "1" };
    const current = { ...stepCommit(run!.claim, { events: [], lastSeq: run!.lastSeq, leaseMs: 60_000 }) };
    const results = await commitStepsInBatch(db, [stale, current] as Parameters<
      typeof commitStepsInBatch
    >[1]);
    expect(results[0]).toBeUndefined();
    expect(results[1]?.lastSeq).toBe(run!.lastSeq);
    expect((await journal.readHistory(run!.claim.run.runId)).map((e) => e.kind)).toEqual([
      "run_started",
      "activity_scheduled",
    ]);
  });

  it("steps of many runs that arrive while one is written leave together as one statement", async () => {
    await emptyJournal(db);
    const journal = createSqlJournal(db, { notifier: silent });
    const runs = await openRuns(journal, 8);
    statements.length = 0;
    const done = await Promise.all(
      runs.map((run, i) => journal.commitStep(stepAfter(run, i, { next: "activity:act#1@0" }))),
    );
    expect(done.map((d) => d.lastSeq)).toEqual(runs.map(() => 4));
    // The first went alone at once; the seven that came while it ran went as one batch.
    const steps = statements.filter((text) => text.includes("UPDATE continuum.runs"));
    expect(steps).toHaveLength(2);
    expect(steps.filter((text) => text.includes("json_to_recordset"))).toHaveLength(1);
  });

  it("one statement starts every fresh run with its first step, and declines one whose id an open run holds", async () => {
    await emptyJournal(db);
    const journal = createSqlJournal(db, { notifier: silent, groupCommit: false });
    // An open run whose workflow id is the id a start below asks for.
    await journal.startRun({
      namespace: "default",
      workflowName: "wf",
      versionHash: "v1",
      input: null,
      workflowId: "held",
    });
    const lease = { owner: "engine-a", leaseMs: 30_000 };
    const requests = ["s1", "held", "s2"].map((runId, i) => {
      const call = {
        ...task("activity:act#0@0", "act", [i], options()),
        claim: true as const,
        inProcess: true as const,
      };
      const fresh = { lease: { runId, owner: lease.owner, fencingToken: 1 }, run: { lastSeq: 1 }, inbox: [] };
      return {
        namespace: "default",
        workflowName: "wf",
        versionHash: "v1",
        input: { i },
        lease,
        runId,
        firstStep: stepCommit(fresh as unknown as RunClaim, { tasks: [call], leaseMs: 60_000 }),
      };
    });
    const starts = requests.map((request) => batchableStart(db, request));
    expect(starts.every((start) => start !== undefined)).toBe(true);
    statements.length = 0;
    const results = await startRunsInBatch(db, starts as FirstStepStart[]);
    expect(statements).toHaveLength(1);
    expect(results.map((r) => r === undefined)).toEqual([false, true, false]);
    for (const i of [0, 2]) {
      expect(results[i]?.run).toMatchObject({
        runId: requests[i]!.runId,
        lastSeq: 2,
        leaseOwner: "engine-a",
      });
      expect(results[i]?.firstStep?.claimedTasks?.map((c) => c.inProcess)).toEqual([true]);
      const history = await journal.readHistory(requests[i]!.runId);
      expect(history.map((e) => e.kind)).toEqual(["run_started", "activity_scheduled"]);
    }
    expect(await journal.getRun("held")).toBeUndefined();
  });

  it("its generic plan reads every row by an index, on a new database and over 20,000 runs", async () => {
    // First on tables never analyzed (a new database: the planner assumes ten pages each), then
    // on 20,000 analyzed runs: a plan cached on the first must not scan the second.
    await expectNoScans();
    await emptyJournal(db);
    await sql`
      INSERT INTO continuum.runs (run_id, namespace, workflow_id, workflow_name, version_hash, status, input,
        chain_id, history_month, created_at, updated_at, attributes)
      SELECT 'r' || g, 'default', 'r' || g, 'wf', 'v1', 'running', '{}'::json, 'r' || g,
        date_trunc('month', now())::date, now(), now(), '{}'::json
      FROM generate_series(1, 20000) AS g`.execute(db);
    // What a final step must find absent, for a fifth of them.
    await sql`
      INSERT INTO continuum.tasks (run_id, identity, activity_name, args, options, max_attempts, available_at,
        created_at, updated_at)
      SELECT 'r' || g, 'a', 'act', '[]'::json, '{}'::json, 3, now(), now(), now()
      FROM generate_series(1, 4000) AS g`.execute(db);
    await sql`
      INSERT INTO continuum.timers (run_id, identity, fire_at, created_at)
      SELECT 'r' || g, 't', now() + interval '1 hour', now() FROM generate_series(1, 4000) AS g`.execute(db);
    await sql`
      INSERT INTO continuum.inbox (run_id, kind, body, received_at)
      SELECT 'r' || g, 'signal_received', '{}'::json, now() FROM generate_series(1, 4000) AS g`.execute(db);
    for (const table of ["runs", "tasks", "timers", "inbox"])
      await sql.raw(`ANALYZE continuum.${table}`).execute(db);
    await expectNoScans();
  });
});

/** The generic plan of `text` (two text parameters), as the journal's connections keep it. */
async function genericPlan(text: string): Promise<string> {
  await sql.raw(`PREPARE plan_check(text, text) AS ${text}`).execute(db);
  await sql`SET plan_cache_mode = force_generic_plan`.execute(db);
  try {
    const plan = await sql<{
      "QUERY PLAN": string;
    }>`EXPLAIN (COSTS OFF) EXECUTE plan_check('[]', '[]')`.execute(db);
    return plan.rows.map((row) => row["QUERY PLAN"]).join("\n");
  } finally {
    await sql`RESET plan_cache_mode`.execute(db);
    await sql`DEALLOCATE plan_check`.execute(db);
  }
}

async function expectNoScans(): Promise<void> {
  const steps = await genericPlan(batchStatement("[]", "[]").compile().sql);
  expect(steps).toMatch(/Index Scan using runs_(pkey|run_id_prefix_idx) on runs r\b/);
  const starts = await genericPlan(startBatchStatement("[]", "[]").compile().sql);
  for (const plan of [steps, starts]) {
    expect(plan).not.toMatch(/Seq Scan/);
    expect(plan).not.toMatch(/hashed SubPlan/);
  }
}
