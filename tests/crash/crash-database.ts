import { openJournal, type Journal } from "@continuum/core";
import pg from "pg";
import type { ManagedProcess } from "../support/child-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

/** What a crash suite works with: its database, a journal and a pool on it, and the engines it started. */
export interface CrashDatabase {
  readonly database: TestDatabase;
  readonly journal: Journal;
  /** Plain SQL for the workload's own tables (crash_attempts, crash_effects). */
  readonly sql: pg.Pool;
  /** Engine processes to SIGKILL at the end. */
  readonly engines: ManagedProcess[];
  /** Kills every engine still alive, then closes and drops everything. */
  close(): Promise<void>;
}

/**
 * A migrated database for the crash workload (crash-workflows.ts): the journal's schema plus the
 * tables the activities log their attempts and their once-only effects to.
 */
export async function openCrashDatabase(name: string): Promise<CrashDatabase> {
  const database = await createTestDatabase(name);
  const journal = await openJournal({ url: database.url, migrate: true });
  const sql = new pg.Pool({ connectionString: database.url });
  await sql.query("CREATE TABLE crash_attempts (run_key text NOT NULL, step int NOT NULL, pid int NOT NULL)");
  await sql.query("CREATE TABLE crash_effects (idempotency_key text PRIMARY KEY, pid int NOT NULL)");
  const engines: ManagedProcess[] = [];
  return {
    database,
    journal,
    sql,
    engines,
    async close() {
      for (const engine of engines) engine.signal("SIGKILL");
      await Promise.all(engines.map((engine) => engine.exited));
      await sql.end();
      await journal.close();
      await database.drop();
    },
  };
}
