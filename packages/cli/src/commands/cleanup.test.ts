import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  activity,
  createClient,
  createEngine,
  defineActivity,
  openJournal,
  signal,
  workflow,
  type Engine,
  type Journal,
} from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../tests/support/test-database.ts";
import { main } from "../main.ts";
import { captured } from "../test-support/captured-io.ts";
import { seedJournal } from "../test-support/seed-journal.ts";

// `continuum cleanup`: the dry run lists a set, --execute with the dry run's cutoff deletes
// exactly that set, on PostgreSQL under a running engine and on an embedded PGlite directory,
// and `continuum audit` is clean afterwards.

interface Plan {
  readonly closedBefore: string;
  readonly runs: number;
  readonly trees: number;
  readonly events: number;
  readonly sample: readonly { runId: string }[];
}

const cli = async (env: Record<string, string>, argv: string[]) => {
  const io = captured(env);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
};

const bump = defineActivity("cleanup-bump", async (n: number) => n + 1);
const stampOf = (name: string) =>
  ({ format: 1, versionHash: `${name}-v1`, cursors: [], file: `test/${name}.ts`, line: 1 }) as const;
const quick = workflow.stamped(stampOf("cleanup-quick"))("cleanup-quick", { version: 1 }, async (n: number) =>
  activity.at("activity:cleanup-bump#0")(bump, n),
);
const waiting = workflow.stamped(stampOf("cleanup-wait"))("cleanup-wait", { version: 1 }, async () =>
  signal.at("signal:go#0")<string>("go", { timeout: 3_600_000 }),
);

describe("continuum cleanup on PostgreSQL, under a running engine", () => {
  let database: TestDatabase;
  let journal: Journal;
  let engine: Engine;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase("cli_cleanup");
    env = { DATABASE_URL: database.url };
    journal = await openJournal({ url: database.url, migrate: true });
    engine = createEngine({
      journal,
      workflows: [quick, waiting],
      activities: [bump],
      owner: "cleanup-engine",
      pollIntervalMs: 50,
    });
    engine.start();
  }, 120_000);
  afterAll(async () => {
    await engine?.stop({ graceful: false });
    await journal?.close();
    await database?.drop();
  });

  it("deletes exactly what the dry run listed; runs closed after the cutoff and open runs stay", async () => {
    const client = createClient({ journal, pollIntervalMs: 50 });
    const old = await Promise.all(Array.from({ length: 23 }, (_, i) => client.start(quick, i)));
    await Promise.all(old.map((run) => run.result({ timeoutMs: 60_000 })));
    const open = await client.start(waiting, undefined);

    const dry = await cli(env, ["cleanup", "--older-than", "0s", "--samples", "1000", "--json"]);
    expect(dry.code, dry.err).toBe(0);
    const plan = JSON.parse(dry.out) as Plan;
    expect(plan.runs).toBe(23);
    expect(new Set(plan.sample.map((s) => s.runId))).toEqual(new Set(old.map((r) => r.runId)));

    // The engine keeps working between the dry run and the deletion: more runs close (after
    // the cutoff) and a waiting run stays open.
    const later = await Promise.all(Array.from({ length: 5 }, (_, i) => client.start(quick, 100 + i)));
    const closing = Promise.all(later.map((run) => run.result({ timeoutMs: 60_000 })));
    const text = await cli(env, ["cleanup", "--before", plan.closedBefore]);
    expect(text.out).toContain("Dry run");
    expect(text.out).toContain(`continuum cleanup --before ${plan.closedBefore} --execute`);

    const done = await cli(env, [
      "cleanup",
      "--before",
      plan.closedBefore,
      "--batch-size",
      "4",
      "--execute",
      "--json",
    ]);
    expect(done.code, done.err).toBe(0);
    const totals = JSON.parse(done.out) as { runs: number; events: number; batches: number };
    expect(totals).toMatchObject({ runs: 23, events: plan.events, batches: 6 });
    expect(done.err).toContain("deleted 23/23 runs");
    await closing;

    for (const run of old) expect(await journal.getRun(run.runId)).toBeUndefined();
    for (const run of later) expect((await journal.getRun(run.runId))?.status).toBe("completed");
    expect((await journal.getRun(open.runId))?.status).toBe("running");
    const audit = await cli(env, ["audit", "--json"]);
    expect(audit.code, audit.out).toBe(0);

    const again = await cli(env, ["cleanup", "--before", plan.closedBefore, "--execute"]);
    expect(again.out).toContain("Deleted 0 run(s)");
  });

  it("refuses a cutoff in the future and a missing cutoff", async () => {
    const future = await cli(env, ["cleanup", "--before", "2999-01-01T00:00:00Z"]);
    expect(future.code).toBe(2);
    expect(future.err).toContain("in the future");
    const none = await cli(env, ["cleanup"]);
    expect(none.code).toBe(2);
    expect(none.err).toContain("--older-than");
  });
});

describe("continuum cleanup on a PGlite data directory", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "ctm-cli-cleanup-"));
    const journal = await openJournal({ dataDir });
    try {
      await seedJournal(journal);
    } finally {
      await journal.close();
    }
  }, 120_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("filters by workflow, deletes exactly the listed runs, and leaves the audit as it was", async () => {
    const args = ["--data-dir", dataDir];
    const before = await cli({}, ["audit", "--json", ...args]);
    const dry = await cli({}, ["cleanup", "--older-than", "0s", "--workflow", "invoice", "--json", ...args]);
    expect(dry.code, dry.err).toBe(0);
    const plan = JSON.parse(dry.out) as Plan;
    expect(plan.runs).toBe(1);
    const done = await cli({}, [
      "cleanup",
      "--before",
      plan.closedBefore,
      "--workflow",
      "invoice",
      "--execute",
      ...args,
    ]);
    expect(done.code, done.err).toBe(0);
    expect(done.out).toContain("Deleted 1 run(s)");
    const list = await cli({}, ["runs", "list", "--json", ...args]);
    const ids = (JSON.parse(list.out) as { runs: { runId: string; workflowName: string }[] }).runs;
    expect(ids.map((r) => r.workflowName).sort()).toEqual(["order", "order", "order"].slice(0, ids.length));
    expect(ids.some((r) => r.runId === plan.sample[0]!.runId)).toBe(false);
    const after = await cli({}, ["audit", "--json", ...args]);
    expect(after.code).toBe(before.code);
  });
});
