import { PgBoss } from "pg-boss";
import type { PeerDriver } from "../case.ts";
import { createCompletions } from "../support/closed-loop.ts";
import { createDatabase, type BenchDatabase } from "../support/database.ts";
import { measureLatency, measureThroughput, type OpenThreeStep } from "./three-step.ts";

// A 3-step process as a chain of jobs: the handler of step 1 sends step 2, which sends step 3.
// Settings: pool of 10 (default); LISTEN/NOTIFY on (useListenNotify + queue `notify`), the
// setting a user who cares about latency picks; polling interval at its minimum, 0.5 s, as the
// backstop; localConcurrency = the scenario's concurrency, batchSize 1; cron scheduling off.

const queues = ["bench-step-1", "bench-step-2", "bench-step-3"] as const;

const openThreeStep: OpenThreeStep = async (db, concurrency) => {
  if (db === undefined) throw new Error("pg-boss runs on PostgreSQL here");
  const completions = createCompletions();
  const boss = new PgBoss({ connectionString: db.url, useListenNotify: true, schedule: false });
  boss.on("error", (error) => console.error("[pg-boss]", error));
  await boss.start();
  for (const name of queues) await boss.createQueue(name, { notify: true });
  const options = { localConcurrency: concurrency, batchSize: 1, pollingIntervalSeconds: 0.5 };
  type Data = { key: string };
  await boss.work<Data>(queues[0], options, async ([job]) => {
    await boss.send(queues[1], job!.data);
  });
  await boss.work<Data>(queues[1], options, async ([job]) => {
    await boss.send(queues[2], job!.data);
  });
  await boss.work<Data>(queues[2], options, async ([job]) => {
    // pg-boss marks the job complete after the handler returns; the harness cannot observe that
    // commit, so the chain counts as done one statement early (in pg-boss's favour).
    queueMicrotask(() => completions.resolve(job!.data.key));
  });
  return {
    async runOne(i) {
      const key = `wf-${i}-${Math.random().toString(36).slice(2)}`;
      const done = completions.wait(key);
      await boss.send(queues[0], { key });
      await done;
    },
    close: () => boss.stop({ graceful: true, close: true, timeout: 10_000 }),
  };
};

async function withFreshDb<T>(scenario: string, body: (db: BenchDatabase) => Promise<T>): Promise<T> {
  const db = await createDatabase("pgboss", scenario);
  try {
    return await body(db);
  } finally {
    await db.drop();
  }
}

/** pg-boss: a job queue; the 3-step workflow is a chain of three jobs. */
export const pgBossDriver: PeerDriver = {
  throughput: (p) =>
    withFreshDb("throughput", (db) =>
      measureThroughput(db, openThreeStep, p.n as number, p.concurrency as number),
    ),
  latency: (p) => withFreshDb("latency", (db) => measureLatency(db, openThreeStep, p.runs as number)),
};
