import { afterAll, beforeAll, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import type { Journal } from "../journal/journal.ts";
import { openJournal } from "../journal/open-journal.ts";
import { createServerDatabase, type ServerDatabase } from "../journal/sql/test-support/sql-test-databases.ts";
import { workflow } from "../workflow/index.ts";
import { createInspector } from "./create-inspector.ts";

// The Observer and other read-only tools can read from a read replica: a journal opened on a
// connection that refuses every write (a hot standby does; here `default_transaction_read_only`
// stands in for one) serves the whole read model, while runs are written through the primary.
let database: ServerDatabase;
let primary: Journal;
let replica: Journal;

const flow = workflow.stamped({
  format: 1,
  versionHash: "replica-flow",
  cursors: [],
  file: "test/replica.workflow.ts",
  line: 1,
})("replica-flow", { version: 1 }, async (n: number) => n);

/** The database, on a connection that refuses every write. */
function readOnlyUrl(): string {
  const url = new URL(database.url);
  url.searchParams.set("options", "-c default_transaction_read_only=on");
  return url.toString();
}

beforeAll(async () => {
  database = await createServerDatabase("read_replica");
  primary = await openJournal({ url: database.url, migrate: true });
  // No partition upkeep on open: a replica cannot create partitions (the primary's engines do).
  replica = await openJournal({ url: readOnlyUrl(), partitionMonthsAhead: 0 });
});
afterAll(async () => {
  await replica?.close();
  await primary?.close();
  await database?.drop();
});

it("serves runs, counts, a run's detail, history, timers, workflows, queues and health from a read-only connection", async () => {
  const client = createClient({ journal: primary });
  const run = await client.start(flow, 7, { id: "order-7" });
  const inspector = createInspector(replica);

  const page = await inspector.runs({ limit: 10 });
  expect(page.runs.map((r) => r.runId)).toEqual([run.runId]);
  expect((await inspector.counts()).total).toBe(1);
  expect((await inspector.run(run.runId))?.run.workflowId).toBe("order-7");
  expect((await inspector.run("order-7"))?.run.runId).toBe(run.runId);
  expect((await inspector.history(run.runId)).events.map((e) => e.kind)).toEqual(["run_started"]);
  expect(await inspector.timers(run.runId)).toEqual([]);
  expect(await inspector.tasks(run.runId)).toEqual([]);
  await inspector.workflows();
  await inspector.queues();
  await inspector.health();

  // The CLI's read commands open with the default partition upkeep: on a replica of a primary
  // whose engines keep the months ahead it only checks them (an advisory lock and catalog
  // reads, both allowed on a standby), so the CLI pointed at a replica works.
  const withUpkeep = await openJournal({ url: readOnlyUrl() });
  try {
    expect((await createInspector(withUpkeep).counts()).total).toBe(1);
  } finally {
    await withUpkeep.close();
  }

  // The connection really refuses writes: starting a run through it fails.
  await expect(createClient({ journal: replica }).start(flow, 8)).rejects.toThrow(/read-only/);
});
