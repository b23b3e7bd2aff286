import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPglite, type EmbeddedDatabase } from "./connect-database.ts";
import { preparedPglite } from "./prepared-pglite.ts";

// The embedded journal's statements go through preparedPglite: same results as PGlite's own
// query, errors that leave the connection usable, and never a statement inside another caller's
// transaction (PGlite is one connection).

let pglite: PGlite;
let db: PGlite;
beforeAll(async () => {
  pglite = new PGlite("memory://");
  await pglite.waitReady;
  await pglite.exec(
    "CREATE TABLE t (id uuid PRIMARY KEY, n int NOT NULL, big bigint, doc json, at timestamptz, tags text[])",
  );
  db = preparedPglite(pglite);
});
afterAll(() => pglite?.close());

describe("preparedPglite", () => {
  it("returns what PGlite's own query returns, for every parameter type the journal binds", async () => {
    const insert = "INSERT INTO t (id, n, big, doc, at, tags) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *";
    const at = new Date(Date.UTC(2026, 11, 7, 6, 0, 0, 123));
    const named = await db.query(insert, [
      "6f1c1a52-0a3c-4d0e-9d55-1d8a1f1e0a01",
      7,
      "9007199254740993",
      JSON.stringify({ a: [1, "x"] }),
      at,
      ["a", "b"],
    ]);
    const plain = await pglite.query(insert, [
      "6f1c1a52-0a3c-4d0e-9d55-1d8a1f1e0a02",
      7,
      "9007199254740993",
      JSON.stringify({ a: [1, "x"] }),
      at,
      ["a", "b"],
    ]);
    expect(named.affectedRows).toBe(1);
    expect({ ...(named.rows[0] as object), id: "" }).toEqual({ ...(plain.rows[0] as object), id: "" });
    expect(named.rows[0]).toMatchObject({ n: 7, doc: { a: [1, "x"] }, at, tags: ["a", "b"] });
    // null and undefined both bind as NULL
    for (const nothing of [null, undefined]) {
      await db.query("UPDATE t SET big = 1 WHERE n = $1", [7]);
      const updated = await db.query<{ big: unknown }>("UPDATE t SET big = $1 WHERE n = $2 RETURNING big", [
        nothing,
        7,
      ]);
      expect(updated.affectedRows).toBe(2);
      expect(updated.rows.map((r) => r.big)).toEqual([null, null]);
    }
  });

  it("prepares a text once and reuses it", async () => {
    const text = "SELECT count(*)::int AS c FROM t WHERE n = $1";
    for (let i = 0; i < 3; i++) expect((await db.query<{ c: number }>(text, [7])).rows[0]?.c).toBe(2);
    const prepared = await pglite.query<{ c: number }>(
      "SELECT count(*)::int AS c FROM pg_prepared_statements WHERE statement = $1",
      [text],
    );
    expect(prepared.rows[0]?.c).toBe(1);
  });

  it("throws the database's error with its code, and the next statement works", async () => {
    const insert = "INSERT INTO t (id, n) VALUES ($1, $2)";
    const id = "6f1c1a52-0a3c-4d0e-9d55-1d8a1f1e0a03";
    await db.query(insert, [id, 1]);
    await expect(db.query(insert, [id, 2])).rejects.toMatchObject({ code: "23505" });
    await expect(db.query("SELECT nope FROM t WHERE n = $1", [1])).rejects.toMatchObject({ code: "42703" });
    // Refused at Bind, before Execute: the rest of the batch is skipped up to its Sync.
    await expect(db.query("SELECT n FROM t WHERE id = $1", ["not-a-uuid"])).rejects.toMatchObject({
      code: "22P02",
    });
    expect((await db.query<{ n: number }>("SELECT n FROM t WHERE id = $1", [id])).rows).toEqual([{ n: 1 }]);
  });

  it("waits for another caller's transaction instead of running inside it", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const started = new Promise<void>((resolve) => (inserted = resolve));
    const order: string[] = [];
    const transaction = pglite
      .transaction(async (tx) => {
        await tx.query("INSERT INTO t (id, n) VALUES ('6f1c1a52-0a3c-4d0e-9d55-1d8a1f1e0a04', 99)");
        inserted();
        await held;
        order.push("rolled back");
        throw new Error("roll back");
      })
      .catch(() => {});
    await started;
    const counted = db
      .query<{ c: number }>("SELECT count(*)::int AS c FROM t WHERE n = $1", [99])
      .then((result) => {
        order.push("counted");
        return result.rows[0]?.c;
      });
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await transaction;
    // Inside the transaction it would have seen the uncommitted row and resolved first.
    expect(await counted).toBe(0);
    expect(order).toEqual(["rolled back", "counted"]);
  });

  it("leaves statements without parameters and transaction control to PGlite's query", async () => {
    expect((await db.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    const before = await pglite.query<{ c: number }>("SELECT count(*)::int AS c FROM pg_prepared_statements");
    await db.query("SELECT 2 AS two");
    const after = await pglite.query<{ c: number }>("SELECT count(*)::int AS c FROM pg_prepared_statements");
    expect(after.rows[0]?.c).toBe(before.rows[0]?.c);
  });
});

describe("preparedPglite on a shared or changing instance", () => {
  it("two proxies on one PGlite share the statement names instead of colliding", async () => {
    const shared = new PGlite("memory://");
    try {
      const [first, second] = [preparedPglite(shared), preparedPglite(shared)];
      expect((await first.query<{ a: number }>("SELECT $1::int AS a", [1])).rows).toEqual([{ a: 1 }]);
      expect((await second.query<{ b: number }>("SELECT $1::int AS b", [2])).rows).toEqual([{ b: 2 }]);
      expect((await second.query<{ a: number }>("SELECT $1::int AS a", [3])).rows).toEqual([{ a: 3 }]);
      const names = await shared.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_prepared_statements",
      );
      expect(names.rows[0]?.n).toBe(2);
    } finally {
      await shared.close();
    }
  });

  it("prepares a statement again when a schema change made its cached plan stale", async () => {
    const changing = new PGlite("memory://");
    try {
      await changing.exec("CREATE TABLE s (id int PRIMARY KEY); INSERT INTO s VALUES (1)");
      const named = preparedPglite(changing);
      const text = "SELECT * FROM s WHERE id = $1";
      expect((await named.query(text, [1])).rows).toEqual([{ id: 1 }]);
      // The statement's result type changes: PostgreSQL refuses the cached plan (0A000).
      await changing.exec("ALTER TABLE s ADD COLUMN note text DEFAULT 'x'");
      expect((await named.query(text, [1])).rows).toEqual([{ id: 1, note: "x" }]);
      // Gone altogether (DEALLOCATE ALL): 26000, prepared again too.
      await changing.exec("DEALLOCATE ALL");
      expect((await named.query(text, [1])).rows).toEqual([{ id: 1, note: "x" }]);
    } finally {
      await changing.close();
    }
  });

  it("refuses a statement after close with PGlite's own error", async () => {
    const closing = new PGlite("memory://");
    const named = preparedPglite(closing);
    expect((await named.query<{ a: number }>("SELECT $1::int AS a", [1])).rows).toEqual([{ a: 1 }]);
    await closing.close();
    await expect(named.query("SELECT $1::int AS a", [1])).rejects.toThrow(/closed/i);
  });
});

describe("openPglite's session settings", () => {
  it("plans each named statement once (generic plans), in memory and in a data directory", async () => {
    const mode = async (embedded: EmbeddedDatabase) =>
      (await embedded.pglite.query<{ mode: string }>("SELECT current_setting('plan_cache_mode') AS mode"))
        .rows[0]?.mode;
    const inMemory = await openPglite("memory://");
    try {
      expect(await mode(inMemory)).toBe("force_generic_plan");
    } finally {
      await inMemory.close();
    }
    const dir = mkdtempSync(join(tmpdir(), "ctm-pglite-settings-"));
    const onDisk = await openPglite(dir);
    try {
      expect(await mode(onDisk)).toBe("force_generic_plan");
    } finally {
      await onDisk.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
