import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInspector } from "../../../inspect/create-inspector.ts";
import { openJournal } from "../../open-journal.ts";
import type { Journal } from "../../journal.ts";
import { runsPageQuery } from "./inspect-runs.ts";

// PGlite has no autovacuum: without the read model's statistics keeper its tables are never
// analyzed, and the runs page of a namespace sorts every run of it instead of walking
// runs_order_idx for one page.

let pglite: PGlite;
let db: Kysely<unknown>;
let journal: Journal;

beforeAll(async () => {
  pglite = new PGlite("memory://");
  db = new Kysely({ dialect: new PGliteDialect({ pglite }) });
  journal = await openJournal({ kysely: db as never, pglite, migrate: true });
  await sql`
    INSERT INTO continuum.runs (run_id, namespace, workflow_id, workflow_name, version_hash, input,
      chain_id, history_month, created_at, updated_at)
    SELECT gen_random_uuid()::text, 'shop', 'order-' || g, 'order', 'v1', '{}'::json, 'c' || g,
      date_trunc('month', now())::date, now(), now()
    FROM generate_series(1, 3000) AS g`.execute(db);
}, 120_000);

afterAll(async () => {
  await journal?.close();
  await db?.destroy(); // closes pglite too
});

const pagePlan = async () => {
  const compiled = runsPageQuery({ namespace: "shop", limit: 50 }).compile(db);
  const result = await pglite.query<{ "QUERY PLAN": string }>(
    `EXPLAIN (COSTS OFF) ${compiled.sql}`,
    compiled.parameters as unknown[],
  );
  return result.rows.map((row) => row["QUERY PLAN"]).join("\n");
};
const lastAnalyze = async () =>
  (
    await pglite.query<{ last_analyze: Date | null }>(
      "SELECT last_analyze FROM pg_stat_user_tables WHERE relid = 'continuum.runs'::regclass",
    )
  ).rows[0]?.last_analyze ?? null;

describe("the read model on PGlite", () => {
  it("analyzes runs once they changed past autovacuum's threshold, so the runs page walks the index", async () => {
    expect(await lastAnalyze()).toBeNull();
    // The 3,000 inserts reach the statistics view when PGlite flushes it (about a second).
    await expect
      .poll(
        async () =>
          (
            await pglite.query<{ n: number }>(
              "SELECT n_mod_since_analyze AS n FROM pg_stat_user_tables WHERE relid = 'continuum.runs'::regclass",
            )
          ).rows[0]?.n,
        { timeout: 60_000, interval: 200 },
      )
      .toBeGreaterThanOrEqual(3000);
    expect(await pagePlan()).toContain("Sort");
    const page = await createInspector(journal).runs({ namespace: "shop", limit: 50 });
    expect(page.runs).toHaveLength(50);
    expect(await lastAnalyze()).not.toBeNull();
    const plan = await pagePlan();
    expect(plan).toContain("Index Scan using runs_order_idx");
    expect(plan).not.toContain("Sort");
  });
});
