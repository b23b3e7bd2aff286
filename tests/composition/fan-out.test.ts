import { fileURLToPath } from "node:url";
import { createClient, createEngine, openJournal, type Engine, type Journal } from "@continuum/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeProcess, type ManagedProcess } from "../support/child-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { fanOutFlow, leafFlow } from "./composition-workflows.ts";

// Child workflows on the real PostgreSQL server: a parent that starts 1,000 children and awaits
// them all, and a parent whose engine process is SIGKILLed in the middle of its fan-out.

const engineScript = fileURLToPath(new URL("./composition-engine.ts", import.meta.url));
const expectedSum = (children: number) => children * (children - 1); // sum of 2i for i < children

describe("child workflows on PostgreSQL", () => {
  let database: TestDatabase;
  let journal: Journal;
  let sql: pg.Pool;
  const engines: Engine[] = [];
  const processes: ManagedProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase("composition");
    journal = await openJournal({ url: database.url, migrate: true });
    sql = new pg.Pool({ connectionString: database.url, max: 2 });
  });

  afterAll(async () => {
    for (const child of processes) child.signal("SIGKILL");
    await Promise.all(processes.map((child) => child.exited));
    for (const engine of engines) await engine.stop({ graceful: false });
    await sql?.end();
    await journal?.close();
    await database?.drop();
  });

  /** Child runs of `parentRunId` per workflow id, from the journal's own tables. */
  async function childCounts(
    parentRunId: string,
  ): Promise<{ runs: number; ids: number; maxPerId: number; completed: number }> {
    const result = await sql.query<{ runs: string; ids: string; max_per_id: string; completed: string }>(
      `SELECT count(*)::text AS runs, count(DISTINCT workflow_id)::text AS ids,
              coalesce(max(n), 0)::text AS max_per_id, count(*) FILTER (WHERE status = 'completed')::text AS completed
       FROM (SELECT workflow_id, status, count(*) OVER (PARTITION BY workflow_id) AS n FROM continuum.runs WHERE parent_run_id = $1) AS c`,
      [parentRunId],
    );
    const row = result.rows[0]!;
    return {
      runs: Number(row.runs),
      ids: Number(row.ids),
      maxPerId: Number(row.max_per_id),
      completed: Number(row.completed),
    };
  }

  it("a parent starts 1,000 children and awaits them all", async () => {
    const engine = createEngine({
      journal,
      workflows: [fanOutFlow, leafFlow],
      owner: "fan-out-engine",
      pollIntervalMs: 50,
      concurrency: { workflows: 32 },
    });
    engines.push(engine);
    engine.start();
    const client = createClient({ journal });
    const started = performance.now();
    const run = await client.start(fanOutFlow, { children: 1_000, batch: 1_000 }, { id: "fan-out-1000" });
    expect(await run.result({ timeoutMs: 120_000 })).toBe(expectedSum(1_000));
    const elapsed = performance.now() - started;
    const counts = await childCounts(run.runId);
    expect(counts).toEqual({ runs: 1_000, ids: 1_000, maxPerId: 1, completed: 1_000 });
    const history = await client.history(run.runId);
    expect(history.filter((e) => e.kind === "child_started")).toHaveLength(1_000);
    expect(history.filter((e) => e.kind === "child_completed")).toHaveLength(1_000);
    expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
    console.log(
      `fan-out on PostgreSQL: 1,000 children started and awaited in ${Math.round(elapsed)} ms (parent history: ${history.length} events)`,
    );
    await engine.stop({ graceful: true });
  }, 150_000);

  it("a parent whose engine is SIGKILLed during fan-out: after takeover every child exists once and the parent completes", async () => {
    const env = { DATABASE_URL: database.url, LEASE_MS: "1500" };
    const first = startNodeProcess(engineScript, env);
    processes.push(first);
    await first.waitForLine(/^READY/);
    const client = createClient({ journal });
    const children = 600;
    const run = await client.start(fanOutFlow, { children, batch: 40 }, { id: "fan-out-crash" });

    // Kill once part of the fan-out is journaled: some batches started, more to come.
    let before = await childCounts(run.runId);
    while (before.runs < 120) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      before = await childCounts(run.runId);
    }
    first.signal("SIGKILL");
    await first.exited;
    before = await childCounts(run.runId);
    expect(before.runs).toBeGreaterThanOrEqual(120);
    expect(before.runs).toBeLessThan(children);
    expect(before.runs % 40).toBe(0); // batches are created whole, with the step that starts them

    const second = startNodeProcess(engineScript, env);
    processes.push(second);
    await second.waitForLine(/^READY/);
    expect(await run.result({ timeoutMs: 90_000 })).toBe(expectedSum(children));
    const after = await childCounts(run.runId);
    expect(after).toEqual({ runs: children, ids: children, maxPerId: 1, completed: children });
    const history = await client.history(run.runId);
    expect(history.filter((e) => e.kind === "child_started")).toHaveLength(children);
    expect(history.filter((e) => e.kind === "child_completed")).toHaveLength(children);
    expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
    console.log(
      `fan-out crash: killed engine ${first.pid} with ${before.runs}/${children} children started; engine ${second.pid} finished the run`,
    );
    second.signal("SIGKILL");
    await second.exited;
  }, 150_000);
});
