import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/index.ts";
import { NotifyTopic } from "./notifier.ts";
import { openJournal } from "./open-journal.ts";
import { redactUrl } from "./sql/connect-database.ts";
import {
  createServerDatabase,
  memoryPglite,
  type ServerDatabase,
} from "./sql/test-support/sql-test-databases.ts";

const created: ServerDatabase[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const database of created) await database.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("openJournal", () => {
  it("reports an unreachable server as CTM_DATABASE_UNAVAILABLE without the password", async () => {
    const url = "postgres://app:s3cret-pw@127.0.0.1:1/orders";
    const failure = await openJournal({ url }).then(
      () => undefined,
      (error: unknown) => error as { code: string; data: { url: string }; message: string; hint: string },
    );
    expect(failure?.code).toBe(ErrorCode.DatabaseUnavailable);
    expect(failure?.data.url).toBe("postgres://app:***@127.0.0.1:1/orders");
    expect(failure?.message).not.toContain("s3cret-pw");
    expect(failure?.hint).toMatch(/DATABASE_URL/);
  });

  it("redacts passwords also from URLs the URL parser rejects", () => {
    expect(redactUrl("postgres://u:p@ss@host:5432/db")).not.toContain("p@ss");
  });

  it("refuses an unmigrated server unless asked to migrate, then works with LISTEN hints", async () => {
    const database = await createServerDatabase("open_journal");
    created.push(database);
    await expect(openJournal({ url: database.url })).rejects.toMatchObject({
      code: ErrorCode.SchemaNotMigrated,
      data: { applied: 0 },
    });
    const steps: string[] = [];
    const journal = await openJournal({
      url: database.url,
      migrate: true,
      onProgress: (step) => steps.push(step.kind),
    });
    expect(steps).toEqual(["migrating", "ready"]);
    try {
      const seen: string[] = [];
      journal.notifier.subscribe(NotifyTopic.runReady, (id) => seen.push(id));
      await (journal.notifier as { listening?: () => Promise<void> }).listening?.();
      const { run } = await journal.startRun({
        namespace: "ns",
        workflowName: "wf",
        versionHash: "h",
        input: [1],
      });
      const started = Date.now();
      while (!seen.includes(run.runId) && Date.now() - started < 5_000)
        await new Promise((r) => setTimeout(r, 20));
      expect(seen).toContain(run.runId);
    } finally {
      await journal.close();
    }
    const reopened = await openJournal({ url: database.url });
    expect((await reopened.listRuns({})).runs).toHaveLength(1);
    await reopened.close();
  });

  it("uses DATABASE_URL when no url is given", async () => {
    const previous = process.env.DATABASE_URL;
    process.env.DATABASE_URL = "postgres://nobody:pw@127.0.0.1:1/none";
    try {
      await expect(openJournal()).rejects.toMatchObject({
        code: ErrorCode.DatabaseUnavailable,
        data: { url: "postgres://nobody:***@127.0.0.1:1/none" },
      });
    } finally {
      if (previous === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = previous;
    }
  });

  it("opens on an app's own Kysely (PGlite) with its LISTEN hints, leaving the instance open", async () => {
    const { pglite, db } = await memoryPglite();
    try {
      await expect(openJournal({ kysely: db })).rejects.toMatchObject({ code: ErrorCode.SchemaNotMigrated });
      const journal = await openJournal({ kysely: db, pglite, migrate: true });
      const seen: string[] = [];
      journal.notifier.subscribe(NotifyTopic.runReady, (id) => seen.push(id));
      await (journal.notifier as { listening?: () => Promise<void> }).listening?.();
      const { run } = await journal.startRun({
        namespace: "ns",
        workflowName: "wf",
        versionHash: "h",
        input: null,
      });
      const started = Date.now();
      while (!seen.includes(run.runId) && Date.now() - started < 5_000)
        await new Promise((r) => setTimeout(r, 20));
      expect(seen).toContain(run.runId);
      await journal.close();
      expect(pglite.closed).toBe(false);
    } finally {
      await db.destroy();
    }
  });

  it("embeds PGlite in a data directory, migrating on open, and keeps runs across reopen", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ctm-pgdata-"));
    dirs.push(dir);
    const dataDir = join(dir, "pgdata");
    const first = await openJournal({ dataDir });
    const { run } = await first.startRun({
      namespace: "ns",
      workflowId: "kept",
      workflowName: "wf",
      versionHash: "h",
      input: { k: 1 },
    });
    await first.close();
    const second = await openJournal({ dataDir });
    try {
      expect(await second.getRunByWorkflowId("ns", "kept")).toMatchObject({
        runId: run.runId,
        input: { k: 1 },
      });
      expect((await second.readHistory(run.runId)).map((e) => e.kind)).toEqual(["run_started"]);
    } finally {
      await second.close();
    }
  });
});
