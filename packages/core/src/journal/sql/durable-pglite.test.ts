import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { openJournal } from "../open-journal.ts";
import { openPglite, type EmbeddedDatabase } from "./connect-database.ts";
import { syncTree } from "./durable-pglite.ts";

// An embedded data directory must keep what it acknowledged through an OS crash, so each
// commit has to reach the disk: PGlite alone starts with fsync off, and its file system layer
// drops fsync and fdatasync calls. These tests look at what PostgreSQL runs with and count the
// syncs a commit asks of the file system layer.

const root = mkdtempSync(join(tmpdir(), "ctm-durable-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Stream = { nfd?: number; node?: { mode: number } };
type StreamOps = { fsync?: (stream: Stream) => number };

/** The sync hook of this PGlite's file system layer (Emscripten's NODEFS), if it has one. */
function nodeFsOps(pglite: PGlite): StreamOps {
  return (pglite.Module as unknown as { NODEFS: { stream_ops: StreamOps } }).NODEFS.stream_ops;
}

async function settings(pglite: PGlite): Promise<{ fsync: string; method: string }> {
  const fsync = (await pglite.query<{ fsync: string }>("SHOW fsync")).rows[0]?.fsync ?? "";
  const method = (await pglite.query<{ wal_sync_method: string }>("SHOW wal_sync_method")).rows[0];
  return { fsync, method: method?.wal_sync_method ?? "" };
}

/** How many syncs `work` asks of the file system layer. */
async function syncsDuring(embedded: EmbeddedDatabase, work: () => Promise<void>): Promise<number> {
  const ops = nodeFsOps(embedded.pglite);
  const installed = ops.fsync;
  let count = 0;
  if (installed !== undefined)
    ops.fsync = (stream) => {
      count += 1;
      return installed(stream);
    };
  try {
    await work();
  } finally {
    if (installed !== undefined) ops.fsync = installed;
  }
  return count;
}

describe("an embedded data directory", () => {
  it("runs with fsync on and syncs the WAL at every commit, from a new directory and a reopened one", async () => {
    // Two levels that do not exist yet: their names are synced into the parents too.
    const dir = join(root, "nested", "durable");
    for (const open of ["new", "reopened"]) {
      const embedded = await openPglite(dir);
      try {
        expect(await settings(embedded.pglite), open).toEqual({ fsync: "on", method: "fsync" });
        expect(nodeFsOps(embedded.pglite).fsync, open).toBeTypeOf("function");
        await embedded.pglite.exec("CREATE TABLE IF NOT EXISTS t (id serial PRIMARY KEY)");
        const syncs = await syncsDuring(embedded, async () => {
          for (let i = 0; i < 5; i++)
            await embedded.pglite.query("INSERT INTO t DEFAULT VALUES RETURNING id");
        });
        expect(syncs, open).toBeGreaterThanOrEqual(5);
      } finally {
        await embedded.close();
      }
    }
  });

  it("keeps PGlite's own settings when fsync is turned off, and in memory", async () => {
    for (const [dataDir, fsync] of [
      [join(root, "fast"), false],
      ["memory://", true],
    ] as const) {
      const embedded = await openPglite(dataDir, () => {}, undefined, fsync);
      try {
        expect((await settings(embedded.pglite)).fsync, dataDir).toBe("off");
        if (dataDir !== "memory://") expect(nodeFsOps(embedded.pglite).fsync).toBeUndefined();
      } finally {
        await embedded.close();
      }
    }
  });

  it("keeps runs across a reopen with fsync on (the journal end to end)", async () => {
    const dir = join(root, "journal");
    const first = await openJournal({ dataDir: dir });
    const { run } = await first.startRun({
      namespace: "default",
      workflowName: "durable.check",
      versionHash: "v1",
      input: { order: 1 },
    });
    await first.close();
    const second = await openJournal({ dataDir: dir, fsync: true });
    try {
      expect((await second.getRun(run.runId))?.input).toEqual({ order: 1 });
    } finally {
      await second.close();
    }
  });

  it("refuses an fsync option that is not a boolean, naming it", async () => {
    await expect(
      openJournal({ dataDir: join(root, "refused"), fsync: "yes" as unknown as boolean }),
    ).rejects.toMatchObject({ code: "CTM_INVALID_ARGUMENT", message: expect.stringContaining("fsync") });
  });

  it("refuses every call at once after a failed sync, instead of hanging, and keeps what was committed", async () => {
    const dir = join(root, "failing-disk");
    const embedded = await openPglite(dir);
    let closed = false;
    try {
      await sql`CREATE TABLE kept (n int)`.execute(embedded.db);
      await sql`INSERT INTO kept VALUES (1)`.execute(embedded.db);
      // The disk refuses the next sync of a file: the hook gets a descriptor that is not open.
      const ops = nodeFsOps(embedded.pglite);
      const installed = ops.fsync as (stream: Stream) => number;
      ops.fsync = (stream) => {
        const { node } = stream;
        return installed(
          node !== undefined && (node.mode & 0o170000) === 0o100000 ? { nfd: 1 << 30, node } : stream,
        );
      };
      await expect(sql`INSERT INTO kept VALUES (2)`.execute(embedded.db)).rejects.toThrow();
      await expect(sql`SELECT count(*) FROM kept`.execute(embedded.db)).rejects.toMatchObject({
        code: "CTM_DATABASE_UNAVAILABLE",
        message: expect.stringContaining("disk sync"),
        hint: expect.stringContaining("check the disk"),
      });
      await embedded.close();
      closed = true;
    } finally {
      if (!closed) await embedded.close();
    }
    const reopened = await openPglite(dir);
    try {
      const rows = await reopened.pglite.query<{ n: number }>("SELECT n FROM kept ORDER BY n");
      expect(rows.rows.map((r) => r.n)).toContain(1);
    } finally {
      await reopened.close();
    }
  });

  it("syncTree walks nested directories and files", () => {
    const tree = join(root, "tree");
    mkdirSync(join(tree, "a", "b"), { recursive: true });
    writeFileSync(join(tree, "a", "b", "file"), "x");
    writeFileSync(join(tree, "top"), "y");
    expect(() => syncTree(tree)).not.toThrow();
    expect(() => syncTree(join(root, "missing"))).toThrow(/ENOENT/);
  });
});
