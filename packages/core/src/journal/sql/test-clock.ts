import { sql } from "kysely";
import type { SqlExecutor } from "./sql-fragments.ts";

/**
 * TEST ONLY: moves the SQL journal's clock forward by `ms` (time skipping). The offset lives in
 * continuum.test_clock_offset, which production never writes, so continuum.now() is the plain
 * database clock there (one inlined expression, migration 0022); the first advance switches the
 * database's continuum.now() to the body that reads the offset (`continuum.use_test_clock()`). Every process on the database sees the moved clock at once. Not exported
 * from the package: apps reach it only through the test kit (`createTestEnvironment({ journal })`),
 * which writes it only in databases it created, and `openJournal` refuses a database where it is set.
 *
 * @example
 * ```ts
 * await advanceTestClock(db, 60_000); // timers due within a minute are now due
 * ```
 */
export async function advanceTestClock(db: SqlExecutor, ms: number): Promise<void> {
  if (!(ms >= 0)) throw new RangeError(`advanceTestClock needs a non-negative number of ms, got ${ms}`);
  await sql`SELECT continuum.use_test_clock()`.execute(db);
  await sql`
    INSERT INTO continuum.test_clock_offset (singleton, offset_ms) VALUES (true, ${Math.round(ms)})
    ON CONFLICT (singleton) DO UPDATE SET offset_ms = continuum.test_clock_offset.offset_ms + excluded.offset_ms`.execute(
    db,
  );
}

/** TEST ONLY: back to the plain database clock. */
export async function resetTestClock(db: SqlExecutor): Promise<void> {
  await sql`DELETE FROM continuum.test_clock_offset`.execute(db);
}

/**
 * The test clock's offset in ms, or undefined when the database runs on the real clock (as
 * production always does). `openJournal` refuses a database where it is set.
 */
export async function readTestClockOffset(db: SqlExecutor): Promise<number | undefined> {
  const rows = await sql<{ offset_ms: string | number }>`
    SELECT offset_ms FROM continuum.test_clock_offset`.execute(db);
  const row = rows.rows[0];
  return row === undefined ? undefined : Number(row.offset_ms);
}
