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
