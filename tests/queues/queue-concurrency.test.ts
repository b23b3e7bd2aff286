import { fileURLToPath } from "node:url";
import { createClient, openJournal, type Journal } from "@continuum/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeProcess, type ManagedProcess } from "../support/child-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import {
  apiFlow,
  limitedQueue,
  partitionedQueue,
  queueFlow,
  rateFlow,
  unlimitedQueue,
} from "./queue-workflows.ts";

// Three real engine processes dequeue from one queue with global concurrency 3 on the real
// PostgreSQL server (then: an activity routed to a queue, a rate-limited one, a partitioned
// queue, with the same engines). Each run's activity records its start and end by the server's clock; the
// most intervals that ever overlapped must never exceed 3, and must reach more than 1 (else the
// test would prove nothing about the limit).

const engines = 3;
const runs = Number(process.env.QUEUE_SUITE_RUNS ?? 45);
const holdMs = 120;
const engineScript = fileURLToPath(new URL("./queue-engine-process.ts", import.meta.url));

/** The most intervals open at once (an interval ending exactly when another starts does not overlap it). */
export function maxOverlap(intervals: readonly { start: number; end: number }[]): number {
  const edges = intervals.flatMap((i) => [
    { at: i.start, delta: 1 },
    { at: i.end, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let most = 0;
  for (const edge of edges) {
    open += edge.delta;
    most = Math.max(most, open);
  }
  return most;
}

describe("a queue's global concurrency across engine processes", () => {
  let database: TestDatabase;
  let journal: Journal;
  let sql: pg.Pool;
  const processes: ManagedProcess[] = [];
  beforeAll(async () => {
    database = await createTestDatabase("queues");
    journal = await openJournal({ url: database.url, migrate: true });
    sql = new pg.Pool({ connectionString: database.url });
    await sql.query(
      "CREATE TABLE queue_activity (id bigserial PRIMARY KEY, run_key text NOT NULL, pid int NOT NULL, started_at timestamptz NOT NULL, ended_at timestamptz)",
    );
  });
  afterAll(async () => {
    for (const child of processes) child.signal("SIGKILL");
    await Promise.all(processes.map((child) => child.exited));
    await sql?.end();
    await journal?.close();
    await database?.drop();
  });

  it(`never runs more than 3 of ${runs} queued runs at once over ${engines} engines`, async () => {
    for (let i = 0; i < engines; i += 1)
      processes.push(startNodeProcess(engineScript, { DATABASE_URL: database.url }));
    await Promise.all(processes.map((child) => child.waitForLine(/^READY/)));

    const client = createClient({ journal });
    const handles = [];
    for (let i = 0; i < runs; i += 1)
      handles.push(await client.start(queueFlow, { key: `q${i}`, holdMs }, { queue: limitedQueue }));
    const results = await Promise.all(handles.map((handle) => handle.result({ timeoutMs: 300_000 })));
    expect(results).toEqual(handles.map((_, i) => `q${i}`));

    const rows = await activityIntervals("q");
    expect(rows).toHaveLength(runs);
    const most = maxOverlap(rows);
    const pids = new Set(rows.map((r) => r.pid));
    const spanMs = (Math.max(...rows.map((r) => r.end)) - Math.min(...rows.map((r) => r.start))) / 1000;
    console.log(
      `queue suite: ${runs} runs, at most ${most} executing at once, on ${pids.size} engine processes, ${Math.round(spanMs)} ms from first to last activity`,
    );
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1);
    // Every engine dequeued or ran some of them: the limit held across processes, not inside one.
    expect(pids.size).toBeGreaterThan(1);
    const info = (await journal.listQueues()).find((q) => q.name === limitedQueue.name);
    expect(info).toMatchObject({ name: limitedQueue.name, concurrency: 3, backlog: 0, running: 0 });
    // A safety net for a loaded machine (the test waits for conditions, never for a time).
  }, 300_000);

  it("measures more than 3 at once when the queue has no limit (the measurement can see a breach)", async () => {
    const client = createClient({ journal });
    const handles = [];
    for (let i = 0; i < 12; i += 1)
      handles.push(await client.start(queueFlow, { key: `u${i}`, holdMs: 1_500 }, { queue: unlimitedQueue }));
    await Promise.all(handles.map((handle) => handle.result({ timeoutMs: 300_000 })));
    expect(maxOverlap(await activityIntervals("u"))).toBeGreaterThan(3);
  }, 300_000);

  it("runs at most 2 attempts of an activity routed to a queue at once, over every run and engine", async () => {
    const client = createClient({ journal });
    const handles = [];
    for (let i = 0; i < 6; i += 1) handles.push(await client.start(apiFlow, { key: `api${i}`, holdMs: 80 }));
    const results = await Promise.all(handles.map((handle) => handle.result({ timeoutMs: 300_000 })));
    expect(results[0]).toBe("api0-0,api0-1,api0-2");
    const rows = await activityIntervals("api");
    // One attempt each (maxAttempts 1): no attempt held back by the queue failed or was retried.
    expect(rows).toHaveLength(18);
    const most = maxOverlap(rows);
    console.log(`activity queue: 18 attempts, at most ${most} executing at once`);
    expect(most).toBeLessThanOrEqual(2);
    expect(most).toBe(2);
    expect(new Set(rows.map((r) => r.pid)).size).toBeGreaterThan(1);
    const info = (await journal.listQueues()).find((q) => q.name === "queue-suite.api");
    expect(info?.activities).toEqual({ waiting: 0, running: 0 });
  }, 300_000);

  it("starts at most 4 attempts of a rate-limited activity in any 1 s window (attempt starts by the database clock)", async () => {
    const client = createClient({ journal });
    const handles = [];
    for (let i = 0; i < 10; i += 1) handles.push(await client.start(rateFlow, { key: `rate${i}` }));
    await Promise.all(handles.map((handle) => handle.result({ timeoutMs: 300_000 })));
    const found = await sql.query<{ at: string }>(
      `SELECT extract(epoch FROM attempt_started_at) * 1e3 AS at FROM continuum.tasks
       WHERE activity_name = 'queue-suite.rate-work' ORDER BY attempt_started_at`,
    );
    const starts = found.rows.map((r) => Number(r.at));
    expect(starts).toHaveLength(10);
    const mostInWindow = Math.max(...starts.map((s) => starts.filter((t) => t >= s && t < s + 1_000).length));
    console.log(
      `rate-limited activity: 10 attempts over ${Math.round(starts.at(-1)! - starts[0]!)} ms, at most ${mostInWindow} in 1 s`,
    );
    expect(mostInWindow).toBeLessThanOrEqual(4);
    // 10 starts at 4 per second cannot all fit in 2 s: the limit actually held.
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(2_000);
  }, 300_000);

  it("runs two partition keys in parallel and never more than 1 run of one key at once", async () => {
    const client = createClient({ journal });
    const handles = [];
    for (let i = 0; i < 4; i += 1)
      for (const key of ["pa", "pb"])
        handles.push(
          await client.start(
            queueFlow,
            { key: `${key}${i}`, holdMs: 100 },
            { queue: partitionedQueue, partitionKey: key },
          ),
        );
    await Promise.all(handles.map((handle) => handle.result({ timeoutMs: 300_000 })));
    const a = await activityIntervals("pa");
    const b = await activityIntervals("pb");
    expect(a).toHaveLength(4);
    expect(maxOverlap(a)).toBe(1);
    expect(maxOverlap(b)).toBe(1);
    // The keys ran side by side.
    expect(maxOverlap([...a, ...b])).toBe(2);
  }, 300_000);

  /** The recorded activity intervals of runs whose key starts with `prefix`, in µs by the server clock. */
  async function activityIntervals(prefix: string) {
    const found = await sql.query<{ start: string; end: string; pid: number }>(
      `SELECT extract(epoch FROM started_at) * 1e6 AS start, extract(epoch FROM ended_at) * 1e6 AS end, pid
       FROM queue_activity WHERE starts_with(run_key, $1)`,
      [prefix],
    );
    return found.rows.map((r) => ({ start: Number(r.start), end: Number(r.end), pid: r.pid }));
  }
});
