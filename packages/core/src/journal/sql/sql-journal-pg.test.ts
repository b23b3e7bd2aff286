import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/index.ts";
import type { Journal } from "../journal.ts";
import { redactUrl } from "./connect-database.ts";
import { NotifyTopic } from "../notifier.ts";
import { migrate } from "./migrator.ts";
import { createPgNotifier } from "./pg-notifier.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import { createSqlJournal } from "./sql-journal.ts";
import { runJournalConformance } from "../../testing/journal-conformance.ts";
import { sqlAdapterCases } from "./test-support/sql-adapter-cases.ts";
import {
  createServerDatabase,
  emptyJournal,
  factoryOn,
  serverKysely,
  withoutRunVersions,
  type ServerDatabase,
} from "./test-support/sql-test-databases.ts";

let database: ServerDatabase;
let db: SqlExecutor;

beforeAll(async () => {
  database = await createServerDatabase("sql_journal");
  db = serverKysely(database.url, 8);
  await migrate(db);
});
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

runJournalConformance("SQL on PostgreSQL", {
  create: () =>
    factoryOn(db, () => createPgNotifier({ connection: { connectionString: database.url } })).create(),
});
// Every step through commitStep's full transaction, on a server (real concurrency, unlike PGlite).
runJournalConformance("SQL on PostgreSQL, steps without row versions", {
  async create() {
    const harness = await factoryOn(db, () =>
      createPgNotifier({ connection: { connectionString: database.url } }),
    ).create();
    return { ...harness, journal: withoutRunVersions(harness.journal) };
  },
});
sqlAdapterCases({ db: () => db });

const silent = { subscribe: () => () => {}, close: async () => {} };
const opts = {
  retry: {
    maxAttempts: 3,
    initialIntervalMs: 1000,
    backoffCoefficient: 2,
    maxIntervalMs: 60_000,
    nonRetryableErrors: [],
  },
  startToCloseMs: 30_000,
};

// No deadline: a busy machine may take long, and the runner's timeout catches a hang.
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("lock contention (real server only)", () => {
  it("concurrent claimRuns calls never return the same run", async () => {
    await emptyJournal(db);
    const journal = createSqlJournal(db, { notifier: silent });
    for (let i = 0; i < 40; i++)
      await journal.startRun({ namespace: "ns", workflowName: "wf", versionHash: "h", input: i });
    const claims = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        journal.claimRuns({ owner: `engine-${i}`, limit: 10, leaseMs: 60_000 }),
      ),
    );
    const ids = claims.flat().map((c) => c.run.runId);
    expect(ids.length).toBe(40);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("concurrent claimTasks calls never return the same task", async () => {
    await emptyJournal(db);
    const journal: Journal = createSqlJournal(db, { notifier: silent });
    const { run } = await journal.startRun({
      namespace: "ns",
      workflowName: "wf",
      versionHash: "h",
      input: null,
    });
    const [claim] = await journal.claimRuns({ owner: "e", limit: 1, leaseMs: 60_000 });
    const tasks = Array.from({ length: 30 }, (_, i) => ({
      identity: `activity:a#0@${i}`,
      activityName: "a",
      args: [i],
      options: opts,
    }));
    await journal.commitStep({
      lease: claim!.lease,
      lastSeq: 1,
      delivered: [],
      events: [],
      tasks,
      timers: [],
      cancelTimers: [],
      run: { status: "running" },
    });
    const batches = await Promise.all(
      Array.from({ length: 6 }, (_, i) => journal.claimTasks({ owner: `w${i}`, limit: 7 })),
    );
    const ids = batches.flat().map((t) => t.taskId);
    expect(ids.length).toBe(30);
    expect(new Set(ids).size).toBe(30);
    expect(batches.flat().every((t) => t.runId === run.runId && t.attempt === 1)).toBe(true);
  });
});

describe("races on the real server", () => {
  async function runWithClaim(journal: Journal) {
    const { run } = await journal.startRun({
      namespace: "ns",
      workflowName: "wf",
      versionHash: "h",
      input: null,
    });
    const claims = await journal.claimRuns({ owner: "e", limit: 100, leaseMs: 60_000 });
    return { run, claim: claims.find((c) => c.run.runId === run.runId)! };
  }

  it("concurrent fireDueTimers calls fire every timer exactly once", async () => {
    await emptyJournal(db);
    const journal = createSqlJournal(db, { notifier: silent });
    const { run, claim } = await runWithClaim(journal);
    const timers = Array.from({ length: 25 }, (_, i) => ({ identity: `sleep:#0@${i}`, delayMs: 0 }));
    await journal.commitStep({
      lease: claim.lease,
      lastSeq: 1,
      delivered: [],
      events: [],
      tasks: [],
      timers,
      cancelTimers: [],
      run: { status: "running" },
    });
    const fired = await Promise.all(Array.from({ length: 5 }, () => journal.fireDueTimers(10)));
    expect(fired.reduce((a, b) => a + b, 0)).toBe(25);
    const [again] = await journal.claimRuns({ owner: "e", limit: 1, leaseMs: 60_000 });
    expect(again?.run.runId).toBe(run.runId);
    expect(new Set(again?.inbox.map((i) => (i.event as { identity: string }).identity)).size).toBe(25);
  });

  it("two finishes of one attempt: one wins, the other is stale, one inbox item", async () => {
    await emptyJournal(db);
    const journal = createSqlJournal(db, { notifier: silent });
    const { run, claim } = await runWithClaim(journal);
    const task = { identity: "activity:a#0@0", activityName: "a", args: [], options: opts };
    await journal.commitStep({
      lease: claim.lease,
      lastSeq: 1,
      delivered: [],
      events: [],
      tasks: [task],
      timers: [],
      cancelTimers: [],
      run: { status: "running" },
    });
    const [attempt] = await journal.claimTasks({ owner: "w", limit: 1 });
    const outcomes = await Promise.allSettled([
      journal.finishTask(attempt!, { kind: "completed", result: "first" }),
      journal.finishTask(attempt!, { kind: "completed", result: "second" }),
    ]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const rejected = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: ErrorCode.StaleAttempt });
    const [woken] = await journal.claimRuns({ owner: "e", limit: 1, leaseMs: 60_000 });
    expect(woken?.run.runId).toBe(run.runId);
    expect(woken?.inbox).toHaveLength(1);
  });

  it("concurrent sends with one deliveryId store the signal once", async () => {
    await emptyJournal(db);
    const journal = createSqlJournal(db, { notifier: silent });
    const { run } = await runWithClaim(journal);
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        journal.sendSignal({ runId: run.runId, name: "approve", payload: true, deliveryId: "d-1" }),
      ),
    );
    expect(results.filter((r) => r.accepted)).toHaveLength(1);
    const [claim] = await journal.claimRuns({ owner: "e", limit: 1, leaseMs: 60_000 });
    expect(claim?.inbox.map((i) => i.event.kind)).toEqual(["signal_received"]);
  });

  it("a commit racing inbox deliveries never loses a wake-up", async () => {
    await emptyJournal(db);
    const journal = createSqlJournal(db, { notifier: silent });
    const { run, claim } = await runWithClaim(journal);
    const sends = Array.from({ length: 10 }, (_, i) =>
      journal.sendSignal({ runId: run.runId, name: "s", payload: i }),
    );
    const commit = journal.commitStep({
      lease: claim.lease,
      lastSeq: 1,
      delivered: [],
      events: [],
      tasks: [],
      timers: [],
      cancelTimers: [],
      run: { status: "running" },
    });
    await Promise.all([...sends, commit]);
    const [again] = await journal.claimRuns({ owner: "e", limit: 1, leaseMs: 60_000 });
    expect(again?.run.runId).toBe(run.runId);
    expect(again?.inbox).toHaveLength(10);
  });
});

describe("connection failures", () => {
  it("surface as CTM_DATABASE_UNAVAILABLE naming the server without its password", async () => {
    const unreachable = serverKysely("postgres://app:hunter2@127.0.0.1:1/none", 1);
    const journal = createSqlJournal(unreachable, {
      notifier: silent,
      target: redactUrl("postgres://app:hunter2@127.0.0.1:1/none"),
    });
    await expect(journal.getRun("r")).rejects.toMatchObject({
      code: ErrorCode.DatabaseUnavailable,
      data: { url: "postgres://app:***@127.0.0.1:1/none" },
    });
    await unreachable.destroy();
  });

  it("a journal keeps working after the server killed its connections (the pool reconnects)", async () => {
    await emptyJournal(db);
    const journal = createSqlJournal(db, { notifier: silent });
    const { run } = await journal.startRun({
      namespace: "ns",
      workflowName: "wf",
      versionHash: "h",
      input: null,
    });
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    await admin.end();
    let found;
    for (let attempt = 0; attempt < 20 && found === undefined; attempt++) {
      try {
        found = await journal.getRun(run.runId);
      } catch (error) {
        expect((error as { code?: string }).code).toBe(ErrorCode.DatabaseUnavailable);
      }
    }
    expect(found?.runId).toBe(run.runId);
  });
});

describe("pg notifier", () => {
  it("delivers ids after commit and resumes after its backend is terminated", async () => {
    await emptyJournal(db);
    const applicationName = `ctm_listen_${process.pid}`;
    const notifier = createPgNotifier({
      connection: { connectionString: database.url, application_name: applicationName },
      minBackoffMs: 20,
      maxBackoffMs: 200,
    });
    const journal = createSqlJournal(db, { notifier });
    const seen: string[] = [];
    notifier.subscribe(NotifyTopic.runReady, (id) => seen.push(id));
    await notifier.listening();
    const first = await journal.startRun({
      namespace: "ns",
      workflowName: "wf",
      versionHash: "h",
      input: null,
    });
    await until(() => seen.includes(first.run.runId));

    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    const killed = await admin.query(
      "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1",
      [applicationName],
    );
    await admin.end();
    expect(killed.rows).toEqual([{ ok: true }]);

    // Hints sent while it reconnects may be lost (polling covers them); keep sending until one arrives.
    let latest = "";
    while (!seen.includes(latest)) {
      latest = (
        await journal.startRun({ namespace: "ns", workflowName: "wf", versionHash: "h", input: null })
      ).run.runId;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(notifier.connected()).toBe(true);
    await journal.close();
  });

  it("retries an unreachable server with exponential, capped, jittered delays", async () => {
    const failures: number[] = [];
    const notifier = createPgNotifier({
      connection: { connectionString: "postgres://nobody@127.0.0.1:1/none" },
      minBackoffMs: 10,
      maxBackoffMs: 80,
      onError: () => failures.push(performance.now()),
    });
    notifier.subscribe(NotifyTopic.runReady, () => {});
    await until(() => failures.length >= 9);
    await notifier.close();
    const gaps = failures.slice(1).map((t, i) => t - failures[i]!);
    // Delays are drawn from [ceiling/2, ceiling]; the ceiling doubles from 10 ms and stops at
    // 80 ms (uncapped, the 9th would be 2.5 s; the margin is for a loaded machine's timers).
    expect(gaps[0]).toBeGreaterThanOrEqual(4);
    expect(Math.max(...gaps.slice(5))).toBeLessThan(400);
    expect(Math.min(...gaps.slice(5))).toBeGreaterThanOrEqual(38);
    expect(new Set(gaps.slice(4).map((g) => Math.round(g))).size).toBeGreaterThan(1);
    expect(notifier.connected()).toBe(false);
  });

  it("sends nothing for a rolled-back transaction", async () => {
    const notifier = createPgNotifier({ connection: { connectionString: database.url } });
    const seen: string[] = [];
    notifier.subscribe(NotifyTopic.taskReady, (id) => seen.push(id));
    await notifier.listening();
    await expect(
      db.transaction().execute(async (tx) => {
        await sql`SELECT pg_notify('continuum_task_ready', 'rolled-back')`.execute(tx);
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    await sql`SELECT pg_notify('continuum_task_ready', 'committed')`.execute(db);
    await until(() => seen.includes("committed"));
    expect(seen).toEqual(["committed"]);
    await notifier.close();
  });
});
