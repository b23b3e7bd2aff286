import type { GroupCommitOptions } from "../group-commit.ts";
import type { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { Journal } from "../../journal.ts";
import type {
  JournalConformanceFactory,
  JournalHarness,
} from "../../../testing/conformance/conformance-harness.ts";
import type { createPgliteNotifier } from "../pg-notifier.ts";
import { keepPoolAlive, openPglite } from "../connect-database.ts";
import type { SqlExecutor } from "../sql-fragments.ts";
import { createSqlJournal } from "../sql-journal.ts";
import { createScratchDatabase, type ScratchDatabase } from "../scratch-database.ts";
import { advanceTestClock } from "../test-clock.ts";

/** The real server the SQL tests use: CI exports TEST_DATABASE_URL; developers get the local default. */
export const serverUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A uniquely named database on the real server, created for one test file. */
export type ServerDatabase = ScratchDatabase;

/** Creates `ctm_<suite>_<pid>_<random>`; `drop()` removes it once its sessions have left. */
export function createServerDatabase(suite: string): Promise<ServerDatabase> {
  return createScratchDatabase(serverUrl, suite);
}

/** A Kysely on the server database (pool of `max` connections). */
export function serverKysely(url: string, max = 5): SqlExecutor {
  // Tests only: no fsync wait per commit (crash durability is not what these tests check).
  const pool = new pg.Pool({ connectionString: url, max, options: "-c synchronous_commit=off" });
  keepPoolAlive(pool);
  return new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * A fresh in-memory PGlite with its Kysely, opened the way `openJournal({ dataDir })` opens one
 * (named statements with generic plans, see prepared-pglite.ts), so the suites test the path
 * users get. Destroying `db` closes the PGlite.
 */
export async function memoryPglite(): Promise<{ pglite: PGlite; db: SqlExecutor }> {
  const { pglite, db } = await openPglite("memory://");
  return { pglite, db };
}

/**
 * Empties every journal table and resets the test clock (between tests sharing one database).
 * DELETE, not TRUNCATE: on a real server TRUNCATE makes new files and fsyncs, ~100x slower for
 * the handful of rows a test leaves.
 */
export async function emptyJournal(db: SqlExecutor): Promise<void> {
  await db.transaction().execute(async (tx) => {
    for (const table of [
      "inbox",
      "tasks",
      "timers",
      "signal_deliveries",
      "history_snapshots",
      "events",
      "idempotency",
      "runs",
      "schedules",
      "test_clock_offset",
      "operator_actions",
      "queues",
      "queue_attempt_starts",
    ]) {
      await sql.raw(`DELETE FROM continuum.${table}`).execute(tx);
    }
  });
}

/**
 * Conformance factory on one migrated database: each harness starts from empty tables.
 * `groupCommit` as openJournal would pass it (PGlite: gathering one turn).
 */
export function factoryOn(
  db: SqlExecutor,
  makeNotifier: () => ReturnType<typeof createPgliteNotifier>,
  groupCommit?: GroupCommitOptions,
): JournalConformanceFactory {
  return {
    async create(): Promise<JournalHarness> {
      await emptyJournal(db);
      const notifier = makeNotifier();
      const journal = createSqlJournal(db, {
        notifier,
        ...(groupCommit === undefined ? {} : { groupCommit }),
      });
      return {
        journal,
        advance: (ms) => advanceTestClock(db, ms),
        listening: () => notifier.listening(),
        close: () => journal.close(),
      };
    },
  };
}

/**
 * The journal with `runVersion` stripped from every step commit: each step takes commitStep's
 * full transaction, as it does for a caller that tracks no versions.
 */
export function withoutRunVersions(journal: Journal): Journal {
  return {
    ...journal,
    commitStep: (commit) => {
      const { runVersion: _ignored, ...rest } = commit;
      return journal.commitStep(rest);
    },
  };
}
