import { activity, defineActivity, defineQueue, workflow } from "@continuum/core";
import pg from "pg";

// Hand-stamped (transformer/SPEC.md section 1): these run in child processes started with plain
// node, and the suite must not depend on the transformer's build.

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
pool.on("error", () => {});

/** The queue under test: at most 3 runs executing at once, across every engine process. */
export const limitedQueue = defineQueue("queue-suite.limited", { concurrency: 3 });

/** The same workload without a limit: shows that the measurement sees more than 3 when nothing holds runs back. */
export const unlimitedQueue = defineQueue("queue-suite.unlimited");

/**
 * The run's only work: records when it started and ended by the database server's clock
 * (clock_timestamp, one clock for every process), so the suite can sweep the intervals for the
 * most that overlapped. A run's activity executes strictly inside the run's slot (dequeued ..
 * ended), and the activity is almost all of the run, so the overlap measured is a lower bound
 * of the runs executing at once that is close to it.
 */
export const queueWork = defineActivity(
  "queue-suite.work",
  async (key: string, holdMs: number): Promise<string> => {
    const started = await pool.query<{ id: string }>(
      "INSERT INTO queue_activity (run_key, pid, started_at) VALUES ($1, $2, clock_timestamp()) RETURNING id",
      [key, process.pid],
    );
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    await pool.query("UPDATE queue_activity SET ended_at = clock_timestamp() WHERE id = $1", [
      started.rows[0]?.id,
    ]);
    return key;
  },
  { retry: { maxAttempts: 1 }, timeoutMs: 60_000 },
);

/** One activity and done. */
export const queueFlow = workflow.stamped({
  format: 1,
  versionHash: "queueflow0000001",
  cursors: ["activity:queueWork#0"],
  file: "tests/queues/queue-workflows.ts",
  line: 40,
})("queue-suite.flow", { version: 1 }, async ({ key, holdMs }: { key: string; holdMs: number }) =>
  activity.at("activity:queueWork#0")(queueWork, key, holdMs),
);

/**
 * Activities routed to queues: at most 2 attempts of queueApiWork running at once, anywhere. One
 * per engine, so two at once always means two engines (the global 2 still binds: 3 engines could
 * run 3), however the engines happen to share the claims on a busy machine.
 */
export const apiQueue = defineQueue("queue-suite.api", { concurrency: 2, perEngineConcurrency: 1 });
/** At most 4 attempts of queueRateWork started in any 1 s window. */
export const rateQueue = defineQueue("queue-suite.rate", { rateLimit: { limit: 4, period: 1_000 } });
/** A partitioned queue: one run per partition key at a time, keys in parallel. */
export const partitionedQueue = defineQueue("queue-suite.partitioned", {
  partitionKey: true,
  concurrency: 1,
});

/** queueWork's body, for the activities routed to queues (one attempt: a held-back attempt must not use it). */
async function recordWork(key: string, holdMs: number): Promise<string> {
  const started = await pool.query<{ id: string }>(
    "INSERT INTO queue_activity (run_key, pid, started_at) VALUES ($1, $2, clock_timestamp()) RETURNING id",
    [key, process.pid],
  );
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  await pool.query("UPDATE queue_activity SET ended_at = clock_timestamp() WHERE id = $1", [
    started.rows[0]?.id,
  ]);
  return key;
}

export const queueApiWork = defineActivity("queue-suite.api-work", recordWork, {
  queue: apiQueue,
  retry: { maxAttempts: 1 },
  timeoutMs: 60_000,
});
export const queueRateWork = defineActivity("queue-suite.rate-work", recordWork, {
  queue: rateQueue,
  retry: { maxAttempts: 1 },
  timeoutMs: 60_000,
});

/** Three calls of the queued activity, in parallel (so one run alone could exceed the limit). */
export const apiFlow = workflow.stamped({
  format: 1,
  versionHash: "queueapiflow0001",
  cursors: ["activity:queueApiWork#0"],
  file: "tests/queues/queue-workflows.ts",
  line: 83,
})("queue-suite.api-flow", { version: 1 }, async ({ key, holdMs }: { key: string; holdMs: number }) => {
  const calls = [0, 1, 2].map((i) =>
    activity.at("activity:queueApiWork#0")(queueApiWork, `${key}-${i}`, holdMs),
  );
  return (await Promise.all(calls)).join(",");
});

export const rateFlow = workflow.stamped({
  format: 1,
  versionHash: "queterateflow001",
  cursors: ["activity:queueRateWork#0"],
  file: "tests/queues/queue-workflows.ts",
  line: 94,
})("queue-suite.rate-flow", { version: 1 }, async ({ key }: { key: string }) =>
  activity.at("activity:queueRateWork#0")(queueRateWork, key, 0),
);
