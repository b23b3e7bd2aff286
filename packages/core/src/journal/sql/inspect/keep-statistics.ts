import { sql } from "kysely";
import type { SqlExecutor } from "../sql-fragments.ts";

/** How often the staleness check runs at most (one cheap read of the statistics view). */
const checkEveryMs = 10_000;

// The tables whose plans the read model depends on, each analyzed by its own fixed statement.
const tables = {
  runs: sql`ANALYZE continuum.runs`,
  tasks: sql`ANALYZE continuum.tasks`,
  timers: sql`ANALYZE continuum.timers`,
} as const;

/**
 * PGlite has no autovacuum, so nothing ever analyzes its tables: the planner then guesses a
 * handful of rows per namespace and, over 10,000 runs, sorts every run of a namespace for the
 * runs page (80 ms in WebAssembly) instead of walking `runs_order_idx` for 51 rows (0.2 ms).
 * This does autovacuum's analyze for the read model: before a read, at most every 10 s, it
 * reads the statistics view and analyzes the tables changed by more than autovacuum's default
 * threshold (50 rows + 10 %). Locking: ANALYZE takes SHARE UPDATE EXCLUSIVE, which no journal
 * statement conflicts with; the check is a read of pg_stat_user_tables. A failure is ignored:
 * statistics only steer plans.
 */
export function createStatisticsKeeper(db: SqlExecutor): () => Promise<void> {
  let nextCheck = 0;
  let running: Promise<void> | undefined;
  const check = async () => {
    const stale = await sql<{ name: keyof typeof tables }>`
      SELECT relname AS name FROM pg_stat_user_tables
      WHERE relid IN ('continuum.runs'::regclass, 'continuum.tasks'::regclass, 'continuum.timers'::regclass)
        AND n_mod_since_analyze > 50 + 0.1 * n_live_tup`.execute(db);
    for (const { name } of stale.rows) if (name in tables) await tables[name].execute(db);
  };
  return async () => {
    if (running !== undefined) return running;
    const now = Date.now();
    if (now < nextCheck) return;
    nextCheck = now + checkEveryMs;
    running = check()
      .catch(() => undefined)
      .finally(() => {
        running = undefined;
      });
    return running;
  };
}
