import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openJournal } from "../../open-journal.ts";
import type { Journal } from "../../journal.ts";
import { createScratchDatabase, type ScratchDatabase } from "../scratch-database.ts";
import { runsPageQuery } from "./inspect-runs.ts";
import type { RunPageRequest } from "../../journal-inspector.ts";
import type { SqlExecutor } from "../sql-fragments.ts";

// The runs page on 10,000 runs (PostgreSQL): every filter of the page is served by an index,
// never a sequential scan of runs, planned for the parameters (the first executions of a
// prepared statement) and, where skew could fool it, as a generic plan too.

const serverUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
let database: ScratchDatabase;
let journal: Journal;
let db: SqlExecutor;

beforeAll(async () => {
  database = await createScratchDatabase(serverUrl, "inspect_plans");
  journal = await openJournal({ url: database.url, migrate: true });
  db = new Kysely({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }),
  });
  await sql`
    INSERT INTO continuum.runs (run_id, namespace, workflow_id, workflow_name, version_hash, status, input,
      chain_id, history_month, created_at, updated_at, attributes, finished_at)
    SELECT gen_random_uuid()::text, 'default', 'order-' || g,
      CASE WHEN g % 1000 = 7 THEN 'rare' ELSE (ARRAY['order', 'invoice', 'ship'])[1 + g % 3] END,
      'v' || (g % 3), (ARRAY['running', 'completed', 'completed', 'failed'])[1 + g % 4], '{}'::json,
      'c' || g, date_trunc('month', now())::date, now() - (10000 - g) * interval '1 minute', now(),
      json_build_object('tier', CASE WHEN g % 10 = 0 THEN 'gold' ELSE 'std' END),
      CASE WHEN g % 4 <> 0 THEN now() END
    FROM generate_series(1, 10000) AS g`.execute(db);
  await sql`ANALYZE continuum.runs`.execute(db);
}, 120_000);

afterAll(async () => {
  await db?.destroy();
  await journal?.close();
  await database?.drop();
});

/** The plan of the runs page statement as the server runs it, bound parameters and all. */
async function plan(request: RunPageRequest, mode: "auto" | "force_generic_plan"): Promise<string> {
  const compiled = runsPageQuery(request).compile(db);
  return db.connection().execute(async (connection) => {
    await sql.raw(`SET plan_cache_mode = ${mode}`).execute(connection);
    const types = compiled.parameters.map(() => "unknown").join(", ");
    await sql
      .raw(`PREPARE runs_page${types === "" ? "" : `(${types})`} AS ${compiled.sql}`)
      .execute(connection);
    const args = compiled.parameters.map((p) => `'${String(p).replaceAll("'", "''")}'`).join(", ");
    const result = await sql
      .raw<{ "QUERY PLAN": string }>(
        `EXPLAIN (ANALYZE, COSTS OFF) EXECUTE runs_page${args === "" ? "" : `(${args})`}`,
      )
      .execute(connection);
    await sql`DEALLOCATE runs_page`.execute(connection);
    return result.rows.map((row) => row["QUERY PLAN"]).join("\n");
  });
}

describe("runs page plans on 10,000 runs (PostgreSQL)", () => {
  const cases: [string, RunPageRequest, RegExp, ("auto" | "force_generic_plan")?][] = [
    ["first page", { namespace: "default" }, /runs_order_idx/],
    ["a later page", { namespace: "default", after: "5000" }, /runs_order_idx/],
    ["a status", { status: ["failed"] }, /runs_(order|status)_idx/],
    [
      "a common workflow name",
      { workflowName: "order", versionHash: "v0" },
      /runs_(order|workflow_name)_idx/,
    ],
    ["a rare workflow name", { workflowName: "rare" }, /runs_workflow_name_idx/],
    ["an id prefix", { idPrefix: "order-12" }, /runs_workflow_id_idx/],
    ["an id prefix, generic plan", { idPrefix: "order-12" }, /runs_workflow_id_idx/, "force_generic_plan"],
    [
      "a rare id prefix, generic plan",
      { idPrefix: "nothing" },
      /runs_run_id_prefix_idx/,
      "force_generic_plan",
    ],
    ["attributes", { attributes: { tier: "gold" } }, /runs_(order|attributes)_idx/],
  ];
  for (const [name, request, index, mode = "auto"] of cases) {
    it(`${name}: uses ${index.source}, no sequential scan of runs`, async () => {
      const text = await plan(request, mode);
      expect(text, text).toMatch(index);
      expect(text, text).not.toMatch(/Seq Scan on runs/);
      const page = await journal.inspector!.listRuns(request);
      if (request.idPrefix !== "nothing") expect(page.runs.length).toBeGreaterThan(0);
    });
  }
});
