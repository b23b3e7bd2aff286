import { PGlite } from "@electric-sql/pglite";
import {
  Kysely,
  PGliteDialect,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type Driver,
} from "kysely";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createClient } from "../../client/create-client.ts";
import { ErrorCode } from "../../errors/index.ts";
import { createEngine } from "../../worker/create-engine.ts";
import { activity, defineActivity, workflow } from "../../workflow/index.ts";
import type { Journal } from "../journal.ts";
import { openJournal } from "../open-journal.ts";
import { MemoryNotifier } from "../memory/memory-notifier.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import { createSqlJournal } from "./sql-journal.ts";
import { createServerDatabase, type ServerDatabase } from "./test-support/sql-test-databases.ts";

// journal.close() lets calls in flight finish and refuses later ones with CTM_JOURNAL_CLOSED, so
// closing the database right after (pool.end(), pglite.close()) never cuts a transaction short.
// Before, an engine stopped without grace could still be giving a lease back when its owner
// closed PGlite: Kysely's PGlite driver then waited forever on a transaction that never began
// and left its rejection unhandled.

const stamp = { format: 1, versionHash: "close-flow", cursors: [], file: "test/close.ts", line: 1 } as const;
const touch = defineActivity("close.touch", async (n: number) => n + 1);
const flow = workflow.stamped(stamp)("close-flow", { version: 1 }, async (n: number) => {
  const a = await activity.at("activity:touch#0")(touch, n);
  return activity.at("activity:touch#1")(touch, a);
});

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on("unhandledRejection", onUnhandled);
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
});

/** Lets pending rejections surface as unhandledRejection events before asserting there are none. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

interface Opened {
  journal: Journal;
  /** Closes the database under the journal (what an app does after journal.close()). */
  closeDatabase(): Promise<void>;
}

const backends: { kind: string; open(): Promise<Opened> }[] = [
  {
    kind: "pglite",
    async open() {
      const pglite = new PGlite();
      await pglite.waitReady;
      const kysely: SqlExecutor = new Kysely<Record<string, never>>({
        dialect: new PGliteDialect({ pglite }),
      });
      const journal = await openJournal({ kysely, pglite, migrate: true });
      return { journal, closeDatabase: () => pglite.close() };
    },
  },
];
backends.push({
  // The journal owns its PGlite here (and sends named statements through preparedPglite).
  kind: "embedded PGlite (openJournal dataDir)",
  async open() {
    const journal = await openJournal({ dataDir: "memory://" });
    return { journal, closeDatabase: async () => {} };
  },
});
let server: ServerDatabase | undefined;
backends.push({
  kind: "postgres",
  async open() {
    server ??= await createServerDatabase("journal_close");
    const journal = await openJournal({ url: server.url, migrate: true });
    return { journal, closeDatabase: async () => {} };
  },
});
afterAll(async () => {
  await server?.drop();
});

describe.each(backends)("closing a SQL journal on $kind", ({ open }) => {
  it("waits for calls in flight and refuses later ones with CTM_JOURNAL_CLOSED", async () => {
    const { journal, closeDatabase } = await open();
    const client = createClient({ journal });
    const before = await client.start(flow, 1);
    // Started, not awaited: close() must let all of these finish.
    const started = journal.startRun({
      namespace: "default",
      workflowName: "close-flow",
      versionHash: "close-flow",
      input: null,
    });
    const read = journal.getRun(before.runId);
    const listed = journal.listRuns({});
    await journal.close();
    await closeDatabase();
    expect((await started).run.runId).toMatch(/\S/);
    expect((await read)?.runId).toBe(before.runId);
    expect((await listed).runs.map((r) => r.runId)).toContain(before.runId);

    await expect(journal.getRun(before.runId)).rejects.toMatchObject({
      code: ErrorCode.JournalClosed,
      data: { operation: "getRun" },
    });
    await expect(journal.inspector?.health()).rejects.toMatchObject({ code: ErrorCode.JournalClosed });
    // A second close is the first one.
    await journal.close();
    await settle();
    expect(unhandled).toEqual([]);
  });

  it("an engine stopped without grace, then the journal and the database closed at once, leaves nothing unhandled", async () => {
    const { journal, closeDatabase } = await open();
    const engine = createEngine({ journal, workflows: [flow], activities: [touch], owner: "close-engine" });
    engine.start();
    const client = createClient({ journal });
    const handles = await Promise.all(Array.from({ length: 10 }, (_, n) => client.start(flow, n)));
    // Stop while runs are mid-flight: steps still commit and give leases back as the journal closes.
    await Promise.race(handles.map((handle) => handle.result({ timeoutMs: 30_000 })));
    await engine.stop({ graceful: false });
    await journal.close();
    await closeDatabase();
    await settle();
    expect(unhandled).toEqual([]);
  });
});

describe("closing a SQL journal whose call never settles", () => {
  it("closes after closeWaitMs instead of hanging the app's shutdown", async () => {
    // A database that never answers (what a call sees when its PGlite was closed before the
    // journal: Kysely's driver then never settles it).
    const silent: Driver = {
      init: async () => {},
      acquireConnection: () => new Promise<never>(() => {}),
      beginTransaction: async () => {},
      commitTransaction: async () => {},
      rollbackTransaction: async () => {},
      releaseConnection: async () => {},
      destroy: async () => {},
    };
    const db: SqlExecutor = new Kysely<Record<string, never>>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => silent,
        createIntrospector: (kysely) => new PostgresIntrospector(kysely),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
    });
    const journal = createSqlJournal(db, { notifier: new MemoryNotifier(), closeWaitMs: 50 });
    let settled = false;
    void journal.now().finally(() => {
      settled = true;
    });
    await journal.close();
    expect(settled).toBe(false);
    await expect(journal.now()).rejects.toMatchObject({ code: ErrorCode.JournalClosed });
  });
});
