import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../client/create-client.ts";
import { ErrorCode } from "../../errors/index.ts";
import { defineQueue } from "../../queue/define-queue.ts";
import { createEngine, type Engine } from "../../worker/create-engine.ts";
import { activity, defineActivity, signal, sleep, workflow } from "../../workflow/index.ts";
import type { Journal } from "../journal.ts";
import { NotifyTopic } from "../notifier.ts";
import { openJournal } from "../open-journal.ts";
import { channelName, schemaSql } from "./instance-schema.ts";
import { loadMigrations, migrationSql } from "./migrator.ts";
import { continuumSchemaDialect } from "./schema-dialect.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import {
  createServerDatabase,
  serverKysely,
  type ServerDatabase,
} from "./test-support/sql-test-databases.ts";

// Two Continuum instances (schemas tenancy_a and tenancy_b) in one database, side by side on a
// real PostgreSQL server and on one PGlite: each migrates, starts, signals, sleeps, schedules and
// queues its own runs, and neither sees nor wakes the other. The same workflow id is used in
// both, which would be refused as a duplicate inside one instance.

const stamp = {
  format: 1,
  versionHash: "tenancy-flow",
  cursors: [],
  file: "test/tenancy.workflow.ts",
  line: 1,
} as const;
const done: string[] = [];
const record = defineActivity("tenancy.record", async (what: string) => {
  done.push(what);
  return what;
});
const flow = workflow.stamped(stamp)("tenancy-flow", { version: 1 }, async (tag: string) => {
  await sleep.at("sleep:#0")(30);
  const answer = await signal.at("signal:answer#0")<string>("answer", { timeout: 60_000 });
  return activity.at("activity:record#0")(record, `${tag}:${String(answer)}`);
});
const echo = workflow.stamped({ ...stamp, versionHash: "tenancy-echo" })(
  "tenancy-echo",
  { version: 1 },
  async (tag: string) => `echo ${tag}`,
);
const mailQueue = defineQueue("tenancy-mail", { concurrency: 2 });

interface Backend {
  readonly kind: "postgres" | "pglite";
  open(schema: string): Promise<Journal>;
  /** Every hint published on `channel` from now on. */
  hear(channel: string): Promise<{ payloads: string[]; stop(): Promise<void> }>;
  /** A Kysely on the same database that maps nothing (the default instance). */
  plain(): SqlExecutor;
  /** Schemas that exist in the database. */
  schemas(): Promise<string[]>;
  close(): Promise<void>;
}

async function serverBackend(): Promise<Backend> {
  const database: ServerDatabase = await createServerDatabase("tenancy_instances");
  const journals: Journal[] = [];
  const inspect = new pg.Pool({ connectionString: database.url, max: 1 });
  return {
    kind: "postgres",
    async open(schema) {
      const journal = await openJournal({ url: database.url, schema, migrate: true });
      journals.push(journal);
      return journal;
    },
    async hear(channel) {
      const client = new pg.Client({ connectionString: database.url });
      client.on("error", () => {});
      await client.connect();
      const payloads: string[] = [];
      client.on("notification", (message) => {
        if (message.channel === channel) payloads.push(message.payload ?? "");
      });
      await client.query(`LISTEN "${channel}"`);
      return { payloads, stop: () => client.end() };
    },
    plain: () => serverKysely(database.url, 1),
    async schemas() {
      const rows = await inspect.query<{ nspname: string }>("SELECT nspname FROM pg_namespace ORDER BY 1");
      return rows.rows.map((r) => r.nspname);
    },
    async close() {
      await Promise.all(journals.map((journal) => journal.close()));
      await inspect.end();
      await database.drop();
    },
  };
}

async function pgliteBackend(): Promise<Backend> {
  const pglite = new PGlite();
  await pglite.waitReady;
  const journals: Journal[] = [];
  return {
    kind: "pglite",
    async open(schema) {
      const kysely: SqlExecutor = new Kysely<Record<string, never>>({
        dialect: continuumSchemaDialect(new PGliteDialect({ pglite }), schema),
      });
      const journal = await openJournal({ kysely, pglite, schema, migrate: true });
      journals.push(journal);
      return journal;
    },
    async hear(channel) {
      const payloads: string[] = [];
      const stop = await pglite.listen(channel, (payload) => payloads.push(payload));
      return { payloads, stop };
    },
    plain: () => new Kysely<Record<string, never>>({ dialect: new PGliteDialect({ pglite }) }),
    async schemas() {
      const result = await pglite.query<{ nspname: string }>("SELECT nspname FROM pg_namespace ORDER BY 1");
      return result.rows.map((r) => r.nspname);
    },
    async close() {
      await Promise.all(journals.map((journal) => journal.close()));
      await pglite.close();
    },
  };
}

async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("schema mapping", () => {
  it("maps every instance-specific part of a statement, and nothing for the default", () => {
    const text =
      "SELECT continuum.now(), pg_notify('continuum_run_ready', x), hashtext($1) FROM \"continuum\".\"runs\" JOIN continuum.tasks t ON to_regclass('continuum.timers') IS NOT NULL";
    expect(schemaSql(text, "continuum")).toBe(text);
    expect(schemaSql(text, "team_a")).toBe(
      'SELECT "team_a".now(), pg_notify(\'team_a_run_ready\', x), hashtext(text \'team_a:\' || $1) FROM "team_a"."runs" JOIN "team_a".tasks t ON to_regclass(\'"team_a".timers\') IS NOT NULL',
    );
    // Words that merely contain the name are left alone.
    expect(schemaSql("SELECT my_continuum.x, continuumx.y", "team_a")).toBe(
      "SELECT my_continuum.x, continuumx.y",
    );
    expect(schemaSql("CREATE SCHEMA IF NOT EXISTS continuum", "team_a")).toBe(
      'CREATE SCHEMA IF NOT EXISTS "team_a"',
    );
  });

  it("the printed migration script names only the chosen schema", () => {
    const script = migrationSql(loadMigrations(), "team_a");
    expect(script).not.toMatch(/\bcontinuum\./);
    expect(script).toContain('CREATE SCHEMA IF NOT EXISTS "team_a"');
    expect(migrationSql(loadMigrations())).toContain("CREATE SCHEMA IF NOT EXISTS continuum;");
  });

  it("refuses a schema that is not a plain, unreserved identifier, before connecting", async () => {
    for (const bad of ["Team", "select", "pg_x", "a-b", "", "x".repeat(49), "1abc"]) {
      await expect(openJournal({ dataDir: "memory://", schema: bad })).rejects.toMatchObject({
        code: ErrorCode.InvalidSchemaName,
      });
    }
  });
});

describe.each([
  { kind: "postgres", make: serverBackend },
  { kind: "pglite", make: pgliteBackend },
])("two instances in one database on $kind", ({ make }) => {
  let backend: Backend;
  let a: Journal;
  let b: Journal;
  const engines: Engine[] = [];

  beforeAll(async () => {
    backend = await make();
    a = await backend.open("tenancy_a");
    b = await backend.open("tenancy_b");
  });
  afterAll(async () => {
    await Promise.all(engines.map((engine) => engine.stop({ graceful: false })));
    await backend.close();
  });

  it("each schema is migrated on its own; no `continuum` schema is made", async () => {
    const schemas = await backend.schemas();
    expect(schemas).toContain("tenancy_a");
    expect(schemas).toContain("tenancy_b");
    expect(schemas).not.toContain("continuum");
    // Reopening migrates nothing more.
    const again = await backend.open("tenancy_a");
    expect((await createClient({ journal: again }).list()).runs).toEqual([]);
  });

  it("runs, signals, timers, schedules and queues of one are never seen or woken by the other", async () => {
    done.length = 0;
    const heardByA = await backend.hear(channelName(NotifyTopic.runReady, "tenancy_a"));
    const clientA = createClient({ journal: a, pollIntervalMs: 50 });
    const clientB = createClient({ journal: b, pollIntervalMs: 50 });

    // B's work, with the same ids A uses; no engine serves B yet.
    const runB = await clientB.start(flow, "b", { id: "shared-id" });
    await clientB.signal(runB.runId, "answer", "from-b");
    await clientB.schedules.create("tenancy-every", { every: 1_000, workflow: echo, input: "b" });
    const queuedB = await clientB.start(echo, "queued-b", { id: "queued", queue: mailQueue });
    expect(heardByA.payloads).toEqual([]);

    const engineA = createEngine({
      journal: a,
      workflows: [flow, echo],
      activities: [record],
      queues: [mailQueue],
      owner: "engine-a",
      pollIntervalMs: 20,
    });
    engines.push(engineA);
    engineA.start();
    const runA = await clientA.start(flow, "a", { id: "shared-id" });
    const queuedA = await clientA.start(echo, "queued-a", { id: "queued", queue: mailQueue });
    await clientA.signal(runA.runId, "answer", "from-a");
    expect(await runA.result({ timeoutMs: 30_000 })).toBe("a:from-a");
    expect(await queuedA.result({ timeoutMs: 30_000 })).toBe("echo queued-a");
    await until(() => heardByA.payloads.includes(runA.runId));

    // Engine A worked for a while (its timer loop fired A's due timers many times): B is untouched.
    expect(done).toEqual(["a:from-a"]);
    expect((await clientB.describe(runB.runId)).status).not.toBe("completed");
    expect((await clientB.list({ workflowName: "tenancy-echo" })).runs.map((r) => r.workflowId)).toEqual([
      "queued",
    ]);
    expect((await clientA.list()).runs.map((r) => r.runId).sort()).toEqual(
      [runA.runId, queuedA.runId].sort(),
    );
    expect(heardByA.payloads).not.toContain(runB.runId);
    expect(heardByA.payloads).not.toContain(queuedB.runId);
    await heardByA.stop();

    // B's own engine then does all of B's work.
    const engineB = createEngine({
      journal: b,
      workflows: [flow, echo],
      activities: [record],
      queues: [mailQueue],
      owner: "engine-b",
      pollIntervalMs: 20,
    });
    engines.push(engineB);
    engineB.start();
    expect(await runB.result({ timeoutMs: 30_000 })).toBe("b:from-b");
    expect(await queuedB.result({ timeoutMs: 30_000 })).toBe("echo queued-b");
    await until(async () => (await clientB.list({ workflowName: "tenancy-echo" })).runs.length >= 2);
    expect((await clientA.list({ workflowName: "tenancy-echo" })).runs).toHaveLength(1);
    expect(await clientA.schedules.list()).toEqual([]);
  });

  it("a Kysely whose statements reach another schema is refused", async () => {
    const kysely = backend.plain();
    await expect(openJournal({ kysely, schema: "tenancy_a" })).rejects.toMatchObject({
      code: ErrorCode.InvalidSchemaName,
    });
    // Nothing was written: the default schema was never made.
    expect(await backend.schemas()).not.toContain("continuum");
    if (backend.kind === "postgres") await kysely.destroy();
  });
});
