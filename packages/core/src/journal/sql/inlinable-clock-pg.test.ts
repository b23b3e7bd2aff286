import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMigrations, migrate } from "./migrator.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import { advanceTestClock, readTestClockOffset } from "./test-clock.ts";
import { createServerDatabase, memoryPglite, serverKysely } from "./test-support/sql-test-databases.ts";

/**
 * Issue 18, migration 0022: continuum.now() is one expression that the planner inlines into each
 * statement (before, a subquery in its body kept it a function call that PostgreSQL 15 parsed and
 * planned again at every call site of every execution). The test kit's clock switches a database
 * to the offset-reading body the first time it moves the clock.
 */
interface Backend {
  readonly db: SqlExecutor;
  /** A second connection to the same database (the server), for the concurrent switch. */
  readonly other?: SqlExecutor;
}

/** The output expression of `SELECT continuum.now()` in the plan (VERBOSE names what is called). */
async function planOfNow(db: SqlExecutor): Promise<string> {
  const plan = await sql<{
    "QUERY PLAN": string;
  }>`EXPLAIN (VERBOSE, COSTS OFF) SELECT continuum.now()`.execute(db);
  return plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
}

/** The database clock now, and continuum.now(), in epoch ms, from one statement. */
async function clocks(db: SqlExecutor): Promise<{ plain: number; journal: number }> {
  const found = await sql<{ plain: string; journal: string }>`
    SELECT (extract(epoch FROM date_trunc('milliseconds', pg_catalog.now())) * 1000)::bigint::text AS plain,
           (extract(epoch FROM continuum.now()) * 1000)::bigint::text AS journal`.execute(db);
  const row = found.rows[0]!;
  return { plain: Number(row.plain), journal: Number(row.journal) };
}

function clockCases(name: string, open: () => Promise<Backend & { close(): Promise<void> }>): void {
  describe(`continuum.now() on ${name}`, () => {
    let backend: Backend & { close(): Promise<void> };
    beforeAll(async () => {
      backend = await open();
    });
    afterAll(async () => {
      await backend?.close();
    });

    it("is inlined into the statement on a freshly migrated database (no function call left in the plan)", async () => {
      const plan = await planOfNow(backend.db);
      expect(plan).toContain("date_trunc");
      expect(plan).not.toMatch(/continuum\.now\(\)/);
      const { plain, journal } = await clocks(backend.db);
      expect(journal).toBe(plain);
      expect(await readTestClockOffset(backend.db)).toBeUndefined();
    });

    it("reads the test clock's offset once the test kit moved the clock, in every session", async () => {
      if (backend.other !== undefined) {
        // Two sessions switch at the same moment: the lock makes the second a no-op, not an error.
        await Promise.all([
          sql`SELECT continuum.use_test_clock()`.execute(backend.db),
          sql`SELECT continuum.use_test_clock()`.execute(backend.other),
        ]);
      }
      await advanceTestClock(backend.db, 90_000);
      await advanceTestClock(backend.db, 30_000);
      expect(await readTestClockOffset(backend.db)).toBe(120_000);
      expect(await planOfNow(backend.db)).toMatch(/continuum\.now\(\)/);
      for (const db of [backend.db, backend.other ?? backend.db]) {
        const { plain, journal } = await clocks(db);
        expect(journal - plain).toBe(120_000);
      }
    });

    it("keeps a clock body that already reads the offset (a test's own instrumented clock)", async () => {
      await sql`
        CREATE OR REPLACE FUNCTION continuum.now() RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
        BEGIN
          -- instrumented
          RETURN date_trunc('milliseconds', pg_catalog.now())
            + coalesce((SELECT o.offset_ms FROM continuum.test_clock_offset o), 0) * interval '1 millisecond';
        END $$`.execute(backend.db);
      await advanceTestClock(backend.db, 1_000);
      const body = await sql<{ src: string }>`
        SELECT prosrc AS src FROM pg_proc WHERE oid = 'continuum.now()'::regprocedure`.execute(backend.db);
      expect(body.rows[0]!.src).toContain("-- instrumented");
      const { plain, journal } = await clocks(backend.db);
      expect(journal - plain).toBe(121_000);
    });
  });
}

clockCases("a PostgreSQL server", async () => {
  const database = await createServerDatabase("inlinable_clock");
  const db = serverKysely(database.url, 1);
  const other = serverKysely(database.url, 1);
  await migrate(db);
  return {
    db,
    other,
    close: async () => {
      await other.destroy();
      await db.destroy();
      await database.drop();
    },
  };
});

clockCases("PGlite", async () => {
  const { db } = await memoryPglite();
  await migrate(db);
  return { db, close: () => db.destroy() }; // destroying the Kysely closes its PGlite
});

describe("migration 0022 on a test database whose clock was already moved", () => {
  it("keeps the offset-reading body, so the clock does not jump back", async () => {
    const { db } = await memoryPglite();
    try {
      const migrations = loadMigrations();
      await migrate(
        db,
        migrations.filter((m) => m.version < 22),
      );
      await sql`INSERT INTO continuum.test_clock_offset (singleton, offset_ms) VALUES (true, 3600000)`.execute(
        db,
      );
      const { applied } = await migrate(db, migrations);
      expect(applied).toContain("0022_inlinable_clock");
      const { plain, journal } = await clocks(db);
      expect(journal - plain).toBe(3_600_000);
    } finally {
      await db.destroy();
    }
  });
});
