import {
  ContinuumError,
  ErrorCode,
  createClient,
  createEngine,
  openJournal,
  type AnyWorkflowDefinition,
  type Client,
  type Journal,
} from "@continuum/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { resilienceFlow, resilienceStep } from "../resilience/resilience-workflows.ts";

// Every bad call at the client boundary gets a typed error with a stable code and a fix hint,
// and leaves every stored row exactly as it was (compared table by table on the real server).

describe("bad input at the boundary, on PostgreSQL", () => {
  let database: TestDatabase;
  let journal: Journal;
  let client: Client;
  let sql: pg.Pool;
  let finishedRunId: string;
  let runningRunId: string;

  /** Every row of every Continuum table, as JSON: the "nothing stored changed" oracle. */
  async function snapshot(): Promise<Record<string, unknown[]>> {
    const tables = await sql.query<{ name: string }>(
      "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'continuum' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1",
    );
    const out: Record<string, unknown[]> = {};
    for (const { name } of tables.rows) {
      const rows = await sql.query(`SELECT to_jsonb(t) AS row FROM continuum.${name} t`);
      out[name] = rows.rows.map((r) => JSON.stringify(r.row)).sort();
    }
    return out;
  }

  async function expectRefused(
    operation: () => Promise<unknown>,
    code: string,
  ): Promise<ContinuumError<unknown>> {
    const before = await snapshot();
    const error = await operation().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, `expected ${code}`).toBeInstanceOf(ContinuumError);
    const typed = error as ContinuumError<unknown>;
    expect(typed.code).toBe(code);
    expect(typed.hint.length).toBeGreaterThan(10);
    expect(await snapshot()).toEqual(before);
    return typed;
  }

  beforeAll(async () => {
    database = await createTestDatabase("badinput");
    journal = await openJournal({ url: database.url, migrate: true });
    sql = new pg.Pool({ connectionString: database.url });
    client = createClient({ journal, pollIntervalMs: 100 });
    const engine = createEngine({
      journal,
      workflows: [resilienceFlow],
      activities: [resilienceStep],
      pollIntervalMs: 50,
    });
    engine.start();
    const finished = await client.start(resilienceFlow, { label: "done" }, { id: "finished" });
    await client.signal(finished.runId, "go", "now");
    await finished.result({ timeoutMs: 20_000 });
    finishedRunId = finished.runId;
    runningRunId = (await client.start(resilienceFlow, { label: "waiting" }, { id: "waiting" })).runId;
    await engine.stop({ graceful: true });
    expect(Object.values(await snapshot()).flat().length).toBeGreaterThan(0);
  });

  afterAll(async () => {
    await sql?.end();
    await journal?.close();
    await database?.drop();
  });

  it("refuses to start something that is not a transformed workflow", async () => {
    const error = await expectRefused(
      () => client.start({ name: "order" } as unknown as AnyWorkflowDefinition, {}),
      ErrorCode.WorkflowNotTransformed,
    );
    expect(error.message).toMatch(/transform/i);
  });

  it("refuses a signal, a cancel, a describe and a history for an unknown run id", async () => {
    await expectRefused(() => client.signal("no-such-run", "go", "x"), ErrorCode.RunNotFound);
    await expectRefused(() => client.cancel("no-such-run"), ErrorCode.RunNotFound);
    await expectRefused(() => client.describe("no-such-run"), ErrorCode.RunNotFound);
    await expectRefused(() => client.history("no-such-run"), ErrorCode.RunNotFound);
  });

  it("refuses a signal and a cancel to a finished run", async () => {
    await expectRefused(() => client.signal(finishedRunId, "go", "late"), ErrorCode.RunFinished);
    await expectRefused(() => client.cancel(finishedRunId), ErrorCode.RunFinished);
  });

  it("refuses unserializable payloads, naming the path inside the value", async () => {
    const circular: Record<string, unknown> = { label: "c" };
    circular.self = circular;
    const input = await expectRefused(
      () => client.start(resilienceFlow, circular as { label: string }),
      ErrorCode.Unserializable,
    );
    expect(input.message).toContain("input.self");
    const payload = await expectRefused(
      () => client.signal(runningRunId, "go", { items: [1, { callback: () => 1 }] }),
      ErrorCode.Unserializable,
    );
    expect(payload.message).toContain("payload.items[1].callback");
    class Money {
      readonly cents: number;
      constructor(cents: number) {
        this.cents = cents;
      }
    }
    const instance = await expectRefused(
      () => client.signal(runningRunId, "go", { price: new Money(5) }),
      ErrorCode.Unserializable,
    );
    expect(instance.message).toContain("Money");
  });

  it("refuses oversized payloads and says where the limit is", async () => {
    const big = "x".repeat(300 * 1024);
    const error = await expectRefused(
      () => client.start(resilienceFlow, { label: big }),
      ErrorCode.PayloadTooLarge,
    );
    expect(JSON.stringify(error.data)).toContain(String(256 * 1024));
    await expectRefused(() => client.signal(runningRunId, "go", big), ErrorCode.PayloadTooLarge);
  });

  it("refuses an id that already names a run of another workflow", async () => {
    const other = { ...resilienceFlow, name: "other.flow" } as unknown as AnyWorkflowDefinition;
    await expectRefused(
      () => client.start(other, { label: "x" }, { id: "waiting" }),
      ErrorCode.RunAlreadyExists,
    );
  });

  it("leaves a run of a workflow no engine has code for untouched until one does", async () => {
    const engine = createEngine({ journal, workflows: [], activities: [resilienceStep], pollIntervalMs: 50 });
    engine.start();
    const before = await client.history(runningRunId);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await engine.stop({ graceful: true });
    expect(await client.history(runningRunId)).toEqual(before);
    expect((await journal.getRun(runningRunId))?.leaseOwner).toBeUndefined();

    const withCode = createEngine({
      journal,
      workflows: [resilienceFlow],
      activities: [resilienceStep],
      pollIntervalMs: 50,
    });
    withCode.start();
    try {
      await client.signal(runningRunId, "go", "finally");
      expect(await client.result(runningRunId, { timeoutMs: 20_000 })).toEqual([
        "waiting:1",
        "finally",
        "waiting:2",
      ]);
    } finally {
      await withCode.stop({ graceful: true });
    }
  });
});
