import { sql } from "kysely";
import type { SqlExecutor } from "./sql-fragments.ts";

/**
 * TEST ONLY: moves the SQL journal's clock forward by `ms` (time skipping). The offset lives in
 * continuum.test_clock_offset, which production never writes, so continuum.now() is the plain
 * database clock there. Every process on the database sees the moved clock at once.
 *
 * @example
 * ```ts
 * await advanceTestClock(db, 60_000); // timers due within a minute are now due
 * ```
 */
export async function advanceTestClock(db: SqlExecutor, ms: number): Promise<void> {
  if (!(ms >= 0)) throw new RangeError(`advanceTestClock needs a non-negative number of ms, got ${ms}`);
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
