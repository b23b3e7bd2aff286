import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../errors/index.ts";
import type { Journal, NewTask, RunClaim, StepCommit } from "../../journal.ts";
import type { ResolvedActivityOptions } from "../../../model/index.ts";
import type { SqlExecutor } from "../sql-fragments.ts";
import { createSqlJournal } from "../sql-journal.ts";
import { advanceTestClock } from "../test-clock.ts";
import { emptyJournal } from "./sql-test-databases.ts";

/** What the hot-path cases need: a migrated database and a way to make a journal on it. */
export interface SqlCaseContext {
  readonly db: () => SqlExecutor;
}

const opts = (o: Partial<ResolvedActivityOptions> = {}): ResolvedActivityOptions => ({
  retry: {
    maxAttempts: 2,
    initialIntervalMs: 1000,
    backoffCoefficient: 2,
    maxIntervalMs: 60_000,
    nonRetryableErrors: [],
  },
  startToCloseMs: 10_000,
  ...o,
});
const newTask = (identity: string, o: Partial<ResolvedActivityOptions> = {}): NewTask => ({
  identity,
  activityName: "charge",
  args: [identity],
  options: opts(o),
});

/** The step that delivers a claim's whole inbox, at the claim's row version, plus `extra`. */
export function commitOf(claim: RunClaim, extra: Partial<StepCommit> = {}): StepCommit {
  return {
    lease: claim.lease,
    lastSeq: claim.run.lastSeq,
    delivered: claim.inbox.map((i) => i.id),
    events: claim.inbox.map((i) => i.event),
    tasks: [],
    timers: [],
    cancelTimers: [],
    run: { status: "running" },
    ...(claim.runVersion === undefined ? {} : { runVersion: claim.runVersion }),
    ...extra,
  };
}

/**
 * Hot-path cases of the SQL adapter that the conformance suite does not reach: row-level facts
 * (fencing writes nothing, database clock, partitions, continue-as-new rows).
 */
export function sqlAdapterCases(ctx: SqlCaseContext): void {
  const journal = (): Journal =>
    createSqlJournal(ctx.db(), { notifier: { subscribe: () => () => {}, close: async () => {} } });
  const reset = () => emptyJournal(ctx.db());

  describe("SQL adapter hot paths", () => {
    it("runs a start -> claim -> task -> finish -> step cycle with gap-free history", async () => {
      await reset();
      const j = journal();
      const { run, created } = await j.startRun({
        namespace: "ns",
        workflowId: "order-1",
        workflowName: "order",
        versionHash: "h1",
        input: { items: [1, 2] },
      });
      expect(created).toBe(true);
      expect(run).toMatchObject({ status: "running", lastSeq: 1, fencingToken: 0, workflowId: "order-1" });
      const [claim] = await j.claimRuns({ owner: "e1", limit: 10, leaseMs: 30_000 });
      expect(claim?.lease.fencingToken).toBe(1);
      const step = await j.commitStep(
        commitOf(claim!, {
          events: [
            {
              kind: "activity_scheduled",
              identity: "a#0@0",
              activityName: "charge",
              args: ["a#0@0"],
              options: opts(),
            },
          ],
          tasks: [newTask("a#0@0")],
        }),
      );
      expect(step.lastSeq).toBe(2);
      expect(await j.claimRuns({ owner: "e1", limit: 10, leaseMs: 30_000 })).toEqual([]);
      const [task] = await j.claimTasks({ owner: "w1", limit: 5 });
      expect(task).toMatchObject({ attempt: 1, activityName: "charge", args: ["a#0@0"], runId: run.runId });
      expect(task!.deadline - (await j.now())).toBeGreaterThan(9_000);
      await j.finishTask(task!, { kind: "completed", result: { ok: true } });
      const [again] = await j.claimRuns({ owner: "e1", limit: 10, leaseMs: 30_000 });
      expect(again?.lease.fencingToken).toBe(1);
      expect(again?.inbox.map((i) => i.event)).toEqual([
        { kind: "activity_completed", identity: "a#0@0", result: { ok: true }, attempts: 1 },
      ]);
      await j.commitStep(commitOf(again!, { run: { status: "completed", result: 42 } }));
      const history = await j.readHistory(run.runId);
      expect(history.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(history.map((e) => e.kind)).toEqual(["run_started", "activity_scheduled", "activity_completed"]);
      const done = await j.getRun(run.runId);
      expect(done).toMatchObject({ status: "completed", result: 42, lastSeq: 3 });
      expect(done?.leaseOwner).toBeUndefined();
      expect(done?.finishedAt).toBeGreaterThan(0);
    });

    it("a stale fencing token writes nothing at all", async () => {
      await reset();
      const j = journal();
      const { run } = await j.startRun({
        namespace: "ns",
        workflowName: "order",
        versionHash: "h1",
        input: null,
      });
      const [first] = await j.claimRuns({ owner: "e1", limit: 1, leaseMs: 1_000 });
      await advanceTestClock(ctx.db(), 2_000);
      const [second] = await j.claimRuns({ owner: "e2", limit: 1, leaseMs: 30_000 });
      expect(second?.lease.fencingToken).toBe(first!.lease.fencingToken + 1);
      const stale = j.commitStep(
        commitOf(first!, {
          tasks: [newTask("x@0")],
          timers: [{ identity: "t@0", delayMs: 5 }],
          events: [{ kind: "value_recorded", identity: "v@0", value: 1 }],
        }),
      );
      await expect(stale).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
      const counts = await sql<{ events: number; tasks: number; timers: number }>`
        SELECT (SELECT count(*)::int FROM continuum.events WHERE run_id = ${run.runId}) AS events,
               (SELECT count(*)::int FROM continuum.tasks) AS tasks,
               (SELECT count(*)::int FROM continuum.timers) AS timers`.execute(ctx.db());
      expect(counts.rows[0]).toEqual({ events: 1, tasks: 0, timers: 0 });
    });

    it("computes leases, timers and deadlines from the database clock plus the test offset", async () => {
      await reset();
      const j = journal();
      // Production: no offset row, so the journal clock is the database clock (ms precision).
      const plain = await sql<{ same: boolean }>`
        SELECT continuum.now() = date_trunc('milliseconds', now()) AS same`.execute(ctx.db());
      expect(plain.rows[0]?.same).toBe(true);
      const before = await j.now();
      await advanceTestClock(ctx.db(), 3_600_000);
      const after = await j.now();
      expect(after - before).toBeGreaterThanOrEqual(3_600_000);
      expect(after - before).toBeLessThan(3_600_000 + 5_000);
      const { run } = await j.startRun({
        namespace: "ns",
        workflowName: "order",
        versionHash: "h1",
        input: null,
      });
      expect(Math.abs(run.createdAt - after)).toBeLessThan(5_000);
      const [claim] = await j.claimRuns({ owner: "e1", limit: 1, leaseMs: 10_000 });
      expect(claim!.leaseExpiresAt - claim!.now).toBe(10_000);
      const step = await j.commitStep(
        commitOf(claim!, {
          timers: [{ identity: "sleep@0", delayMs: 60_000 }],
          events: [{ kind: "timer_started", identity: "sleep@0", delayMs: 60_000 }],
        }),
      );
      expect(await j.nextDueAt()).toBe(step.now + 60_000);
      expect(await j.fireDueTimers(10)).toBe(0);
      await advanceTestClock(ctx.db(), 60_000);
      expect(await j.fireDueTimers(10)).toBe(1);
    });

    it("moves a month's events out of the default partition when its partition is created", async () => {
      await reset();
      const db = ctx.db();
      // Start without monthly partitions (test-only DDL: drop the ones earlier tests created).
      const parts = await sql<{ name: string }>`
        SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'continuum.events'::regclass AND c.relname <> 'events_default'`.execute(db);
      for (const part of parts.rows) await sql.raw(`DROP TABLE continuum.${part.name}`).execute(db);
      const j = journal();
      const { run } = await j.startRun({
        namespace: "ns",
        workflowName: "order",
        versionHash: "h1",
        input: { a: 1 },
      });
      const where = () =>
        sql<{ part: string }>`
        SELECT tableoid::regclass::text AS part FROM continuum.events WHERE run_id = ${run.runId}`
          .execute(db)
          .then((r) => r.rows[0]?.part);
      expect(await where()).toBe("continuum.events_default");
      const made = await sql<{
        n: number;
      }>`SELECT continuum.ensure_event_partitions(continuum.now()::date, 2) AS n`.execute(db);
      expect(made.rows[0]?.n).toBe(2);
      expect(await where()).toMatch(/^continuum\.events_\d{4}_\d{2}$/);
      expect((await j.readHistory(run.runId)).map((e) => e.kind)).toEqual(["run_started"]);
      const again = await sql<{
        n: number;
      }>`SELECT continuum.ensure_event_partitions(continuum.now()::date, 2) AS n`.execute(db);
      expect(again.rows[0]?.n).toBe(0);
    });

    it("continue-as-new keeps the workflow id on the successor and leaves the chain linked", async () => {
      await reset();
      const j = journal();
      const { run } = await j.startRun({
        namespace: "ns",
        workflowId: "loop",
        workflowName: "loop",
        versionHash: "h1",
        input: 1,
      });
      const [claim] = await j.claimRuns({ owner: "e1", limit: 1, leaseMs: 10_000 });
      await j.commitStep(
        commitOf(claim!, {
          events: [{ kind: "run_continued", nextRunId: "loop-2", input: 2 }],
          run: { status: "continued", continuedTo: "loop-2" },
        }),
      );
      expect(await j.getRun(run.runId)).toMatchObject({ status: "continued", continuedTo: "loop-2" });
      expect(await j.getRunByWorkflowId("ns", "loop")).toMatchObject({
        runId: "loop-2",
        input: 2,
        status: "running",
        workflowId: "loop",
      });
      const again = await j.startRun({
        namespace: "ns",
        workflowId: "loop",
        workflowName: "loop",
        versionHash: "h1",
        input: 9,
      });
      expect(again).toMatchObject({ created: false, run: { runId: "loop-2" } });
    });

    it("writes a step in one statement while the run row is the version the caller last saw, and the long way once it is not", async () => {
      await reset();
      // Counted as results: every statement the journal runs comes back through transformResult,
      // whether Kysely compiled it or the journal's own template did (transformQuery sees only the former).
      const statements: unknown[] = [];
      const counted = ctx.db().withPlugin({
        transformQuery: (args) => args.node,
        transformResult: async (args) => {
          statements.push(args.queryId);
          return args.result;
        },
      });
      const j = createSqlJournal(counted, { notifier: { subscribe: () => () => {}, close: async () => {} } });
      const { claim } = await j.startRun({
        namespace: "ns",
        workflowName: "order",
        versionHash: "h1",
        input: 1,
        lease: { owner: "e1", leaseMs: 30_000 },
      });
      expect(claim?.runVersion).toMatch(/^[0-9]+$/);
      statements.length = 0;
      const first = await j.commitStep({
        ...commitOf(claim!, {
          events: [{ kind: "timer_started", identity: "sleep:#0@0", delayMs: 60_000 }],
          timers: [{ identity: "sleep:#0@0", delayMs: 60_000 }],
        }),
        runVersion: claim!.runVersion!,
      });
      expect(statements).toHaveLength(1);
      expect(first.runVersion).toMatch(/^[0-9]+$/);
      expect(first.runVersion).not.toBe(claim!.runVersion);
      // A signal arrives: the row moves on, so a step computed without it must not be written blind.
      await j.sendSignal({ runId: claim!.run.runId, name: "go", payload: 7 });
      statements.length = 0;
      const stale = {
        ...commitOf(claim!, {
          lastSeq: first.lastSeq,
          events: [{ kind: "timer_fired", identity: "sleep:#0@0" }],
        }),
        runVersion: first.runVersion!,
        requireEmptyInbox: true as const,
      };
      await expect(j.commitStep(stale)).rejects.toMatchObject({ code: ErrorCode.InboxNotEmpty });
      expect(statements.length).toBeGreaterThan(1); // the refused one-statement try, then the checked transaction
      expect((await j.readHistory(claim!.run.runId)).map((e) => e.kind)).toEqual([
        "run_started",
        "timer_started",
      ]);
      const [again] = await j.claimRuns({ owner: "e1", limit: 10, leaseMs: 30_000 });
      expect(again?.inbox.map((i) => i.event)).toEqual([{ kind: "signal_received", name: "go", payload: 7 }]);
      statements.length = 0;
      const done = await j.commitStep({
        ...commitOf(again!, { run: { status: "completed", result: 7 } }),
        runVersion: again!.runVersion!,
      });
      expect(statements).toHaveLength(1);
      expect(done.lastSeq).toBe(3);
      expect(await j.getRun(claim!.run.runId)).toMatchObject({ status: "completed", result: 7, lastSeq: 3 });
      const left = await sql<{
        n: number;
      }>`SELECT (SELECT count(*) FROM continuum.inbox) + (SELECT count(*) FROM continuum.timers) AS n`.execute(
        ctx.db(),
      );
      expect(Number(left.rows[0]?.n)).toBe(0);
    });
  });
}
