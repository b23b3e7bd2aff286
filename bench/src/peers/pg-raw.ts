import pg from "pg";
import type { PeerDriver } from "../case.ts";
import { closedLoop } from "../support/closed-loop.ts";
import { createDatabase, type BenchDatabase } from "../support/database.ts";
import { percentile } from "../support/stats.ts";
import { measureLatency, measureThroughput, type OpenThreeStep } from "./three-step.ts";

// The floor: what a durable step costs when it is nothing but one INSERT committed on its own
// (autocommit, synchronous_commit as the server has it). A "3-step workflow" here is three
// such INSERTs in a row: no queue, no recovery, no history; nothing can be faster and durable.

async function openTable(db: BenchDatabase, max: number): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: db.url, max, application_name: "pg-raw-bench" });
  pool.on("error", () => {});
  await pool.query(
    "CREATE TABLE IF NOT EXISTS steps (id bigserial PRIMARY KEY, wf integer NOT NULL, step integer NOT NULL, at timestamptz NOT NULL DEFAULT now())",
  );
  return pool;
}

const insert = "INSERT INTO steps (wf, step) VALUES ($1, $2)";

const openThreeStep: OpenThreeStep = async (db) => {
  if (db === undefined) throw new Error("the pg floor runs on PostgreSQL");
  const pool = await openTable(db, 10);
  return {
    async runOne(i) {
      for (let step = 0; step < 3; step += 1) await pool.query(insert, [i, step]);
    },
    close: () => pool.end(),
  };
};

async function withFreshDb<T>(scenario: string, body: (db: BenchDatabase) => Promise<T>): Promise<T> {
  const db = await createDatabase("pgraw", scenario);
  try {
    return await body(db);
  } finally {
    await db.drop();
  }
}

/** Raw `pg`: one INSERT per transaction, the floor of a durable step. */
export const pgRawDriver: PeerDriver = {
  throughput: (p) =>
    withFreshDb("throughput", (db) =>
      measureThroughput(db, openThreeStep, p.n as number, p.concurrency as number),
    ),
  latency: (p) => withFreshDb("latency", (db) => measureLatency(db, openThreeStep, p.runs as number)),
  floor: (p) =>
    withFreshDb("floor", async (db) => {
      const concurrency = p.concurrency as number;
      const count = p.inserts as number;
      const pool = await openTable(db, concurrency);
      try {
        await closedLoop(Math.min(200, count), concurrency, (i) =>
          pool.query(insert, [-i, 0]).then(() => undefined),
        );
        const samples: number[] = [];
        const ms = await closedLoop(count, concurrency, async (i) => {
          const t0 = performance.now();
          await pool.query(insert, [i, 0]);
          samples.push(performance.now() - t0);
        });
        return {
          commitsPerSec: (count * 1000) / ms,
          p50Ms: percentile(samples, 0.5),
          p95Ms: percentile(samples, 0.95),
        };
      } finally {
        await pool.end();
      }
    }),
};
