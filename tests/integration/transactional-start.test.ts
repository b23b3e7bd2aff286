import {
  ErrorCode,
  createClient,
  createEngine,
  createMemoryJournal,
  openJournal,
  type Client,
  type Engine,
  type Journal,
} from "@continuum/core";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { resilienceFlow, resilienceStep } from "../resilience/resilience-workflows.ts";

// An app creates its order row and the order's workflow in one transaction of its own: the
// run exists if and only if the app's transaction commits.

interface AppDatabase {
  orders: { id: string; total: number };
}

describe("start and signal inside the caller's Kysely transaction (PostgreSQL)", () => {
  let database: TestDatabase;
  let journal: Journal;
  let app: Kysely<AppDatabase>;
  let client: Client;
  let engine: Engine;

  beforeAll(async () => {
    database = await createTestDatabase("trxstart");
    journal = await openJournal({ url: database.url, migrate: true });
    app = new Kysely<AppDatabase>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url }) }),
    });
    await sql`CREATE TABLE orders (id text PRIMARY KEY, total int NOT NULL)`.execute(app);
    client = createClient({ journal, pollIntervalMs: 100 });
    engine = createEngine({
      journal,
      workflows: [resilienceFlow],
      activities: [resilienceStep],
      pollIntervalMs: 100,
    });
    engine.start();
  });

  afterAll(async () => {
    await engine?.stop({ graceful: false });
    await app?.destroy();
    await journal?.close();
    await database?.drop();
  });

  it("commits the run with the caller's rows, invisible to others until then", async () => {
    let seenInside: unknown = "not checked";
    const runId = await app.transaction().execute(async (trx) => {
      await trx.insertInto("orders").values({ id: "o-1", total: 42 }).execute();
      const handle = await client.start(
        resilienceFlow,
        { label: "o-1" },
        { id: "order-o-1", transaction: trx },
      );
      expect(handle.created).toBe(true);
      seenInside = await journal.getRunByWorkflowId("default", "order-o-1");
      return handle.runId;
    });
    expect(seenInside).toBeUndefined();
    expect((await journal.getRun(runId))?.workflowId).toBe("order-o-1");
    await app.transaction().execute(async (trx) => {
      await trx.updateTable("orders").set({ total: 43 }).where("id", "=", "o-1").execute();
      await client.signal(runId, "go", "approved", { transaction: trx });
    });
    expect(await client.result(runId, { timeoutMs: 20_000 })).toEqual(["o-1:1", "approved", "o-1:2"]);
  });

  it("leaves neither the run nor the caller's rows when the caller's transaction rolls back", async () => {
    const failure = new Error("payment provider said no");
    const outcome = await app
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto("orders").values({ id: "o-2", total: 7 }).execute();
        await client.start(resilienceFlow, { label: "o-2" }, { id: "order-o-2", transaction: trx });
        throw failure;
      })
      .catch((e: unknown) => e);
    expect(outcome).toBe(failure);
    expect(await journal.getRunByWorkflowId("default", "order-o-2")).toBeUndefined();
    expect(await app.selectFrom("orders").selectAll().where("id", "=", "o-2").execute()).toEqual([]);
    expect((await journal.listRuns({})).runs.map((r) => r.workflowId)).not.toContain("order-o-2");
  });

  it("drops a signal sent in a rolled-back transaction", async () => {
    const handle = await client.start(resilienceFlow, { label: "o-3" }, { id: "order-o-3" });
    await app
      .transaction()
      .execute(async (trx) => {
        await client.signal(handle.runId, "go", "from-rolled-back", { transaction: trx });
        throw new Error("rollback");
      })
      .catch(() => undefined);
    await client.signal(handle.runId, "go", "committed");
    expect(await client.result(handle.runId, { timeoutMs: 20_000 })).toEqual(["o-3:1", "committed", "o-3:2"]);
    const received = (await client.history(handle.runId)).filter((e) => e.kind === "signal_received");
    expect(received).toHaveLength(1);
  });

  it("every method of a bound journal joins the caller's transaction and rolls back with it", async () => {
    const handle = await client.start(resilienceFlow, { label: "o-4" }, { id: "order-o-4" });
    const outcome = await app
      .transaction()
      .execute(async (trx) => {
        const bound = journal.bindTransaction!(trx);
        const claims = await bound.claimRuns({
          owner: "inside-trx",
          limit: 100,
          leaseMs: 60_000,
          namespace: "default",
        });
        for (const claim of claims) await bound.releaseRun(claim.lease);
        expect(await bound.getRun(handle.runId)).toBeDefined();
        throw new Error("rollback");
      })
      .catch((e: unknown) => e);
    expect(outcome).toMatchObject({ message: "rollback" });
    // What the bound journal wrote (its claims) rolled back with the caller's transaction.
    expect((await journal.getRun(handle.runId))?.leaseOwner).not.toBe("inside-trx");
    await client.signal(handle.runId, "go", "ok");
    expect(await client.result(handle.runId, { timeoutMs: 20_000 })).toEqual(["o-4:1", "ok", "o-4:2"]);
  });

  it("refuses a value that is not a transaction, and journals without transactions", async () => {
    const notATransaction = await client
      .start(resilienceFlow, { label: "x" }, { transaction: app })
      .catch((e: unknown) => e);
    expect(notATransaction).toMatchObject({ code: ErrorCode.TransactionNotSupported });
    const memoryClient = createClient({ journal: createMemoryJournal() });
    const onMemory = await app
      .transaction()
      .execute((trx) =>
        memoryClient.start(resilienceFlow, { label: "y" }, { transaction: trx }).catch((e: unknown) => e),
      );
    expect(onMemory).toMatchObject({ code: ErrorCode.TransactionNotSupported });
  });
});
