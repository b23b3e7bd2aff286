import { sql } from "kysely";
import type { EnsurePartitionsRequest, EnsurePartitionsResult } from "../../journal-admin.ts";
import type { SqlExecutor } from "../sql-fragments.ts";
import { defaultPartitionMonths } from "./event-partitions.ts";

// Creating monthly history partitions ahead, and the online conversion of rows that sit in
// continuum.events_default (history written for a month that had no partition yet).
//
// Why not continuum.ensure_event_partitions (migration 0001): it moves a month out of the
// default partition in one statement and then ATTACHes, which scans the whole default partition
// under ACCESS EXCLUSIVE: on a journal with millions of rows there, every reader and writer of
// history waits for minutes. This file never holds a lock on the default partition for longer
// than a catalogue change or (at the end of a conversion) one scan of the then nearly empty
// default partition. Locks, step by step:
//
// 1. Creating a partition for [lo, hi) ahead (`attachProven`; the current month, which is
//    being written, goes through `attachWritersWaiting` instead): tx A (ACCESS EXCLUSIVE on the default
//    partition for the catalogue change only, 2 s lock_timeout): CREATE TABLE, its bound CHECK,
//    and on the default partition CHECK (history_month < lo OR history_month >= hi) NOT VALID.
//    tx B: VALIDATE CONSTRAINT: SHARE UPDATE EXCLUSIVE, a scan that reads and writes of history
//    do not wait for. tx C (2 s lock_timeout): ATTACH PARTITION (SHARE UPDATE EXCLUSIVE on
//    continuum.events, ACCESS EXCLUSIVE on the default and the new table) and DROP the CHECK;
//    the validated CHECK proves the default partition holds nothing of the new range, so
//    Postgres skips the scan: milliseconds.
// 2. Converting month M whose rows sit in the default partition (they all have history_month =
//    M, the first of the month, so the month cannot be split by key): a partition for
//    [M + 1 day, M + 1 month) is created as in 1, then runs are re-keyed to M + 1 day in batches
//    of `batchRuns` runs, one short transaction each: the runs' rows are locked FOR NO KEY
//    UPDATE SKIP LOCKED (the lock commitStep takes: a run being stepped is skipped and taken by
//    a later pass, never waited for), their events are moved (DELETE ... RETURNING into the new
//    partition) and runs.history_month set, so a run's history is always in one partition and
//    every read (which finds the partition through runs.history_month in the same snapshot)
//    sees all of it. Other runs are not blocked at all.
// 3. What is left of M in the default partition (runs created meanwhile, events of deleted
//    runs) moves in one transaction that holds SHARE ROW EXCLUSIVE on continuum.events (history
//    writes of every run wait; reads go on) and ACCESS EXCLUSIVE on the default partition (2 s
//    lock_timeout) for: moving those rows into a partition for [M, M + 1 day) and its ATTACH,
//    which scans the default partition (VACUUMed first, so its emptied tail is gone). That
//    partition also takes the month's new runs from then on.
// Every DDL transaction takes the advisory lock that ensure_event_partitions takes, and the
// whole call a session advisory lock, so engines and CLIs never convert a month twice at once.

const sessionLock = sql`hashtext('continuum.event_partitions')`;
const ddlLock = sql`SELECT pg_advisory_xact_lock(hashtext('continuum.ensure_event_partitions'))`;

/** `YYYY-MM-01` plus `months` months. */
export function addMonths(month: string, months: number): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const index = y * 12 + (m - 1) + months;
  return `${String(Math.floor(index / 12)).padStart(4, "0")}-${String((index % 12) + 1).padStart(2, "0")}-01`;
}

/** `YYYY-MM-02`: the key re-keyed runs of month `YYYY-MM-01` get. */
function secondDay(month: string): string {
  return `${month.slice(0, 8)}02`;
}

function partitionName(month: string, suffix = ""): string {
  return `events_${month.slice(0, 4)}_${month.slice(5, 7)}${suffix}`;
}

/**
 * Makes sure the monthly partitions from the database clock's month to `monthsAhead` months on
 * exist and, with `convert`, moves every month found in the default partition to its own
 * partitions online (see the locking notes at the top of this file). Idempotent; concurrent
 * callers wait for each other (`wait`, the CLI) or skip (the engine's periodic call).
 */
export async function ensureEventPartitions(
  db: SqlExecutor,
  request: EnsurePartitionsRequest = {},
): Promise<EnsurePartitionsResult> {
  const monthsAhead = request.monthsAhead ?? 3;
  const batchRuns = request.batchRuns ?? 500;
  return db.connection().execute(async (conn) => {
    const got = await sql<{ ok: boolean }>`SELECT ${
      request.wait === true
        ? sql`pg_advisory_lock(${sessionLock}) IS NOT NULL`
        : sql`pg_try_advisory_lock(${sessionLock})`
    } AS ok`.execute(conn);
    if (got.rows[0]?.ok !== true) return { created: [], converted: [], busy: true };
    try {
      const now = await sql<{ month: string }>`
        SELECT to_char(date_trunc('month', continuum.now()), 'YYYY-MM-DD') AS month`.execute(conn);
      const current = now.rows[0]!.month;
      const created: string[] = [];
      const converted: { month: string; runs: number; events: number }[] = [];
      const inDefault = request.convert === true ? await defaultPartitionMonths(conn) : [];
      for (const { month } of inDefault) {
        const moved = await convertMonth(conn, month, month >= current, batchRuns, request.onProgress);
        converted.push({ month, ...moved });
      }
      for (let i = 0; i < monthsAhead; i++) {
        const month = addMonths(current, i);
        if (await routesToPartition(conn, month)) continue;
        if (await defaultHasMonth(conn, month)) continue; // left for a converting call (the CLI)
        // A converted month's partition starts on its second day: its first day gets the head partition.
        if (await isPartition(conn, partitionName(month))) await moveRest(conn, month);
        else if (
          month === current
            ? await attachWritersWaiting(conn, partitionName(month), month, addMonths(month, 1))
            : await attachProven(conn, partitionName(month), month, addMonths(month, 1))
        )
          created.push(month);
      }
      return { created, converted, busy: false };
    } finally {
      await sql`SELECT pg_advisory_unlock(${sessionLock})`.execute(conn);
    }
  });
}

/** Whether a row keyed `month` would land in a range partition (not the default one). */
async function routesToPartition(db: SqlExecutor, month: string): Promise<boolean> {
  const found = await sql<{ n: string }>`
    SELECT count(*)::text AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = to_regclass('continuum.events')
      AND pg_get_expr(c.relpartbound, c.oid) LIKE ${`FOR VALUES FROM ('${month}')%`}`.execute(db);
  return Number(found.rows[0]?.n ?? 0) > 0;
}

async function isPartition(db: SqlExecutor, name: string): Promise<boolean> {
  // Looked up through a qualified name (not nspname = 'continuum'), so an instance in another
  // schema finds its own partitions (see instance-schema.ts).
  const found = await sql`SELECT 1 FROM pg_class c
    WHERE c.oid = to_regclass('continuum.' || quote_ident(${name})) AND c.relispartition`.execute(db);
  return found.rows.length > 0;
}

async function defaultHasMonth(db: SqlExecutor, month: string): Promise<boolean> {
  const found =
    await sql`SELECT 1 FROM continuum.events_default WHERE history_month = ${month}::date LIMIT 1`.execute(
      db,
    );
  return found.rows.length > 0;
}

/** Runs `work` in a transaction with a 2 s lock_timeout, retrying a lock timeout a few times. */
async function shortLocked(db: SqlExecutor, work: (tx: SqlExecutor) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.transaction().execute(async (tx) => {
        await sql`SET LOCAL lock_timeout = '2s'`.execute(tx);
        await ddlLock.execute(tx);
        await work(tx);
      });
      return;
    } catch (error) {
      // 55P03 lock_not_available: someone held the table; let them finish and try again.
      if ((error as { code?: string }).code !== "55P03" || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/**
 * Table `name`, shaped like continuum.events, with a CHECK of its bound [lo, hi): the ATTACH
 * then skips scanning it. Not attached yet; kept if an earlier try left it.
 */
async function createBoundedTable(tx: SqlExecutor, name: string, lo: string, hi: string): Promise<void> {
  const table = sql.table(`continuum.${name}`);
  await sql`CREATE TABLE IF NOT EXISTS ${table} (LIKE continuum.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`.execute(
    tx,
  );
  await sql`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${sql.id(`${name}_bound`)}`.execute(tx);
  await sql`ALTER TABLE ${table} ADD CONSTRAINT ${sql.id(`${name}_bound`)}
    CHECK (history_month >= ${sql.lit(lo)}::date AND history_month < ${sql.lit(hi)}::date)`.execute(tx);
}

/** Creates and attaches partition `name` for [lo, hi) without scanning the default partition under a lock (step 1). */
async function attachProven(db: SqlExecutor, name: string, lo: string, hi: string): Promise<boolean> {
  const table = sql.table(`continuum.${name}`);
  const proof = sql.id(`events_default_not_${name}`);
  let attached = false;
  await shortLocked(db, async (tx) => {
    if (await isPartition(tx, name)) return void (attached = true);
    await createBoundedTable(tx, name, lo, hi);
    await sql`ALTER TABLE continuum.events_default DROP CONSTRAINT IF EXISTS ${proof}`.execute(tx);
    await sql`ALTER TABLE continuum.events_default ADD CONSTRAINT ${proof}
      CHECK (history_month < ${sql.lit(lo)}::date OR history_month >= ${sql.lit(hi)}::date) NOT VALID`.execute(
      tx,
    );
  });
  if (attached) return false;
  await sql`ALTER TABLE continuum.events_default VALIDATE CONSTRAINT ${proof}`.execute(db);
  await shortLocked(db, async (tx) => {
    await sql`ALTER TABLE continuum.events ATTACH PARTITION ${table}
      FOR VALUES FROM (${sql.lit(lo)}) TO (${sql.lit(hi)})`.execute(tx);
    await sql`ALTER TABLE continuum.events_default DROP CONSTRAINT ${proof}`.execute(tx);
  });
  return true;
}

/**
 * Creates and attaches partition `name` for [lo, hi) while history of that range is being
 * written: the current month's partition, missing (a journal whose partitions fell behind, or one
 * created from an older template). `attachProven` would put a NOT VALID CHECK on the default
 * partition before the ATTACH, and such a CHECK applies to new rows at once: every run started
 * in between would route its events to the default partition and fail on it. Here writers of
 * history wait instead (SHARE ROW EXCLUSIVE on continuum.events, as in `moveRest`; reads go on)
 * for one transaction that creates the table and attaches it, scanning the default partition,
 * which holds no row of this month (the caller checked; a row written since makes the ATTACH
 * fail, and the next call leaves the month to a converting call).
 */
async function attachWritersWaiting(db: SqlExecutor, name: string, lo: string, hi: string): Promise<boolean> {
  const table = sql.table(`continuum.${name}`);
  let attached = false;
  await shortLocked(db, async (tx) => {
    await sql`LOCK TABLE continuum.events IN SHARE ROW EXCLUSIVE MODE`.execute(tx);
    if (await isPartition(tx, name)) return void (attached = true);
    await createBoundedTable(tx, name, lo, hi);
    await sql`ALTER TABLE continuum.events ATTACH PARTITION ${table}
      FOR VALUES FROM (${sql.lit(lo)}) TO (${sql.lit(hi)})`.execute(tx);
  });
  return !attached;
}

/** Converts month `month` out of the default partition (steps 2 and 3). */
async function convertMonth(
  db: SqlExecutor,
  month: string,
  open: boolean,
  batchRuns: number,
  onProgress: EnsurePartitionsRequest["onProgress"],
): Promise<{ runs: number; events: number }> {
  const key = secondDay(month);
  await attachProven(db, partitionName(month), key, addMonths(month, 1));
  let runs = 0;
  let events = 0;
  // Passes until one moves nothing: a pass skips runs being stepped (SKIP LOCKED).
  for (let pass = 0; pass < 5; pass++) {
    let after = "";
    let movedThisPass = 0;
    for (;;) {
      const batch = await db.transaction().execute(async (tx) => {
        const picked = await sql<{ run_id: string }>`
          SELECT run_id FROM continuum.events_default
          WHERE run_id > ${after} AND seq = 1 AND history_month = ${month}::date
          ORDER BY run_id LIMIT ${batchRuns}`.execute(tx);
        const ids = picked.rows.map((r) => r.run_id);
        if (ids.length === 0) return { last: undefined, runs: 0, events: 0 };
        const locked = await sql<{ run_id: string }>`
          SELECT run_id FROM continuum.runs WHERE run_id = ANY(${ids}::text[]) AND history_month = ${month}::date
          ORDER BY run_id FOR NO KEY UPDATE SKIP LOCKED`.execute(tx);
        const lockedIds = locked.rows.map((r) => r.run_id);
        let moved = 0;
        if (lockedIds.length > 0) {
          const result = await sql`
            WITH moved AS (
              DELETE FROM continuum.events_default
              WHERE run_id = ANY(${lockedIds}::text[]) AND history_month = ${month}::date
              RETURNING run_id, seq, kind, body, at)
            INSERT INTO continuum.events (run_id, history_month, seq, kind, body, at)
            SELECT run_id, ${key}::date, seq, kind, body, at FROM moved`.execute(tx);
          moved = Number(result.numAffectedRows ?? 0);
          await sql`UPDATE continuum.runs SET history_month = ${key}::date WHERE run_id = ANY(${lockedIds}::text[])`.execute(
            tx,
          );
        }
        return { last: ids[ids.length - 1], runs: lockedIds.length, events: moved };
      });
      if (batch.last === undefined) break;
      after = batch.last;
      runs += batch.runs;
      events += batch.events;
      movedThisPass += batch.runs;
      onProgress?.({ month, runs, events });
    }
    if (movedThisPass === 0) break;
  }
  // The current month keeps getting new runs keyed to its first day: it needs the head partition
  // even when nothing is left; a past month only when something is.
  if (open || (await defaultHasMonth(db, month))) events += await moveRest(db, month);
  onProgress?.({ month, runs, events });
  return { runs, events };
}

/** Step 3: what is left of `month` in the default partition, into a partition for its first day. */
async function moveRest(db: SqlExecutor, month: string): Promise<number> {
  const name = partitionName(month, "_head");
  const table = sql.table(`continuum.${name}`);
  const day = secondDay(month);
  // Outside a transaction: truncates the default partition's emptied tail, so the scan below is short.
  await sql`VACUUM continuum.events_default`.execute(db);
  let moved = 0;
  await shortLocked(db, async (tx) => {
    if (await isPartition(tx, name)) return;
    // History writers first (SHARE ROW EXCLUSIVE on continuum.events: reads go on): an insert
    // that routed a row to the default partition before the ATTACH would fail its partition
    // check after it; one that waits here routes with the new partition.
    await sql`LOCK TABLE continuum.events IN SHARE ROW EXCLUSIVE MODE`.execute(tx);
    await sql`LOCK TABLE continuum.events_default IN ACCESS EXCLUSIVE MODE`.execute(tx);
    await sql`CREATE TABLE IF NOT EXISTS ${table} (LIKE continuum.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`.execute(
      tx,
    );
    await sql`ALTER TABLE ${table} ADD CONSTRAINT ${sql.id(`${name}_bound`)}
      CHECK (history_month >= ${sql.lit(month)}::date AND history_month < ${sql.lit(day)}::date)`.execute(tx);
    const result = await sql`
      WITH moved AS (DELETE FROM continuum.events_default WHERE history_month = ${month}::date RETURNING *)
      INSERT INTO ${table} SELECT * FROM moved`.execute(tx);
    moved = Number(result.numAffectedRows ?? 0);
    await sql`ALTER TABLE continuum.events ATTACH PARTITION ${table}
      FOR VALUES FROM (${sql.lit(month)}) TO (${sql.lit(day)})`.execute(tx);
  });
  return moved;
}
