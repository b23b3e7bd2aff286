import { createClient, defineQueue, openJournal, workflow, type Journal } from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../tests/support/test-database.ts";
import { main } from "../main.ts";
import { captured } from "../test-support/captured-io.ts";

// `continuum queues list` on PostgreSQL: backlog, running and limits, as a table and as JSON.

const flow = workflow.stamped({
  format: 1,
  versionHash: "clique0000000001",
  cursors: [],
  file: "packages/cli/src/commands/queues.test.ts",
  line: 9,
})("cli.queued", { version: 1 }, async (n: number) => n);

describe("continuum queues list", () => {
  let database: TestDatabase;
  let journal: Journal;
  const cli = async (argv: string[]) => {
    const io = captured({ DATABASE_URL: database.url });
    const code = await main(argv, io);
    return { code, out: io.out(), err: io.err() };
  };

  beforeAll(async () => {
    database = await createTestDatabase("cli_queues");
    journal = await openJournal({ url: database.url, migrate: true });
    const emails = defineQueue("emails", { concurrency: 2, rateLimit: { limit: 100, period: 60_000 } });
    const client = createClient({ journal });
    for (let i = 0; i < 3; i += 1) await client.start(flow, i, { queue: emails });
    // One engine round's worth: two runs take the two slots, one waits.
    await journal.dequeueRuns({ owner: "cli-test", queues: ["emails"], limit: 10 });
    await journal.defineQueues([{ name: "reports", perEngineConcurrency: 1, defaultPriority: 5 }]);
    // A partitioned queue: two runs of one key (one dequeued, one waiting), one of another.
    const perCustomer = defineQueue("per-customer", { partitionKey: true, concurrency: 1 });
    for (const key of ["c-1", "c-1", "c-2"])
      await client.start(flow, 0, { queue: perCustomer, partitionKey: key });
    await journal.dequeueRuns({ owner: "cli-test", queues: ["per-customer"], limit: 10 });
    // An activity routed to a queue: a step schedules two attempts, one is claimed.
    await journal.defineQueues([{ name: "crm-api", concurrency: 1 }]);
    const { run } = await journal.startRun({
      namespace: "default",
      workflowName: "cli.api",
      versionHash: "v",
      input: 0,
    });
    const claims = await journal.claimRuns({ owner: "cli-test", limit: 10, leaseMs: 60_000 });
    const claim = claims.find((c) => c.run.runId === run.runId);
    const options = {
      retry: {
        maxAttempts: 3,
        initialIntervalMs: 1000,
        backoffCoefficient: 2,
        maxIntervalMs: 60_000,
        nonRetryableErrors: [],
      },
      startToCloseMs: 30_000,
      queue: "crm-api",
    };
    const tasks = ["a#0", "a#1"].map((identity) => ({
      identity,
      activityName: "crm.call",
      args: [],
      options,
    }));
    await journal.commitStep({
      lease: claim!.lease,
      lastSeq: claim!.run.lastSeq,
      delivered: [],
      events: tasks.map((t) => ({ kind: "activity_scheduled" as const, ...t })),
      tasks,
      timers: [],
      cancelTimers: [],
      run: { status: "running" },
    });
    await journal.claimQueuedTasks({
      owner: "cli-test",
      queues: ["crm-api"],
      limit: 10,
      activityNames: ["crm.call"],
    });
  });
  afterAll(async () => {
    await journal?.close();
    await database?.drop();
  });

  it("prints every queue with its backlog, running runs and limits", async () => {
    const { code, out } = await cli(["queues", "list"]);
    expect(code).toBe(0);
    const lines = out.trim().split("\n");
    expect(lines[0]).toMatch(/QUEUE\s+BACKLOG\s+RUNNING\s+CONCURRENCY\s+PER ENGINE\s+RATE LIMIT/);
    expect(lines[2]).toMatch(/^emails\s+1\s+2\s+2\s+-\s+2\/100 per 60s\s+0\s+\d{4}-/);
    expect(lines[0]).toMatch(/OLDEST QUEUED\s+ACTIVITIES$/);
    expect(lines[1]).toMatch(/^crm-api\s+0\s+0\s+1\s.*1 waiting, 1 running$/);
    expect(lines[4]).toMatch(/^reports\s+0\s+0\s+-\s+1\s+-\s+5\s+-/);
    // Partitioned queues: backlog and running runs per key.
    const partitions = out
      .slice(out.indexOf("PARTITION") - "QUEUE\t".length)
      .trim()
      .split("\n");
    expect(partitions[0]).toMatch(/^QUEUE\s+PARTITION\s+BACKLOG\s+RUNNING$/);
    expect(partitions.slice(1)).toEqual(["per-customer\tc-1\t1\t1", "per-customer\tc-2\t0\t1"]);
  });

  it("prints the same as JSON with --json", async () => {
    const { code, out } = await cli(["queues", "list", "--json"]);
    expect(code).toBe(0);
    const list = JSON.parse(out) as unknown[];
    expect(list).toMatchObject([
      { name: "crm-api", activities: { waiting: 1, running: 1 } },
      { name: "emails", backlog: 1, running: 2, concurrency: 2, rateLimit: { limit: 100, periodMs: 60_000 } },
      { name: "per-customer", partitioned: true, partitions: [{ key: "c-1" }, { key: "c-2" }] },
      { name: "reports", backlog: 0, running: 0, perEngineConcurrency: 1, defaultPriority: 5 },
    ]);
  });
});
