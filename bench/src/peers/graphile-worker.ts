import { Logger, run } from "graphile-worker";
import pg from "pg";
import type { PeerDriver } from "../case.ts";
import { createCompletions } from "../support/closed-loop.ts";
import { createDatabase, type BenchDatabase } from "../support/database.ts";
import { measureLatency, measureThroughput, type OpenThreeStep } from "./three-step.ts";

// A 3-step process as a chain of jobs: task 1 adds task 2 (helpers.addJob), which adds task 3.
// Settings: defaults (a pool of 10 that the harness owns, LISTEN/NOTIFY wake-ups, pollInterval 2 s, prepared statements)
// with concurrency = the scenario's concurrency and a silent logger. Done = the `job:complete`
// event of task 3, emitted after its completion is written back.

const quiet = new Logger(() => () => {});

const openThreeStep: OpenThreeStep = async (db, concurrency) => {
  if (db === undefined) throw new Error("graphile-worker runs on PostgreSQL here");
  const completions = createCompletions();
  // Our own pool (same size as graphile's default), so it is closed before the database is dropped.
  const pgPool = new pg.Pool({ connectionString: db.url, max: 10 });
  pgPool.on("error", () => {});
  const runner = await run({
    pgPool,
    concurrency,
    noHandleSignals: true,
    logger: quiet,
    taskList: {
      step1: async (payload, helpers) => {
        await helpers.addJob("step2", payload as object);
      },
      step2: async (payload, helpers) => {
        await helpers.addJob("step3", payload as object);
      },
      step3: async () => {},
    },
  });
  runner.events.on("job:complete", ({ job, error }) => {
    if (job.task_identifier !== "step3") return;
    if (error !== undefined && error !== null) completions.failAll(error);
    else completions.resolve((job.payload as { key: string }).key);
  });
  return {
    async runOne(i) {
      const key = `wf-${i}-${Math.random().toString(36).slice(2)}`;
      const done = completions.wait(key);
      await runner.addJob("step1", { key });
      await done;
    },
    async close() {
      await runner.stop();
      await pgPool.end();
    },
  };
};

async function withFreshDb<T>(scenario: string, body: (db: BenchDatabase) => Promise<T>): Promise<T> {
  const db = await createDatabase("graphile", scenario);
  try {
    return await body(db);
  } finally {
    await db.drop();
  }
}

/** graphile-worker: a job queue; the 3-step workflow is a chain of three jobs. */
export const graphileDriver: PeerDriver = {
  throughput: (p) =>
    withFreshDb("throughput", (db) =>
      measureThroughput(db, openThreeStep, p.n as number, p.concurrency as number),
    ),
  latency: (p) => withFreshDb("latency", (db) => measureLatency(db, openThreeStep, p.runs as number)),
};
