import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attr, type AttributeCondition } from "../../model/attribute-query.ts";
import type { RunFilter } from "../journal.ts";
import { migrate } from "./migrator.ts";
import { listRunsQuery } from "./run-queries.ts";
import { createScratchDatabase, type ScratchDatabase } from "./scratch-database.ts";
import type { SqlExecutor } from "./sql-fragments.ts";

// Typed attribute queries on a seeded runs table (PostgreSQL): each kind of condition is served
// by an index (GIN containment, or the btrees of run_attribute_values), never a sequential scan
// of runs. 10,000 runs by default (seconds); CONTINUUM_PLAN_RUNS=100000 checks the size
// (see bench/README.md, "Attribute query plans").

const serverUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const runs = Number(process.env.CONTINUUM_PLAN_RUNS ?? 10_000);
let database: ScratchDatabase;
let db: Kysely<unknown>;

beforeAll(async () => {
  database = await createScratchDatabase(serverUrl, "attrs_plans");
  db = new Kysely({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }),
  });
  await migrate(db as SqlExecutor);
  // One statement; the trigger of migration 0017 writes the typed rows as a start would.
  await sql`
    INSERT INTO continuum.runs (run_id, namespace, workflow_id, workflow_name, version_hash, input,
      chain_id, history_month, created_at, updated_at, attributes)
    SELECT 'run-' || g, 'default', 'order-' || g, 'order', 'v1', '{}'::json, 'c' || g,
      date_trunc('month', now())::date, now() - (${runs} - g) * interval '1 second', now(),
      json_build_object(
        'customer', 'c-' || (g % 2000),
        'total', (g % 10007) / 10.0,
        'at', to_char((timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute') AT TIME ZONE 'UTC',
                      'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'tags', json_build_array('t-' || (g % 500), CASE WHEN g % 100 = 0 THEN 'vip' ELSE 'std' END),
        'note', 'note ' || g,
        'vip', g % 1000 = 0)
    FROM generate_series(1, ${runs}) AS g`.execute(db);
  await sql`ANALYZE continuum.runs`.execute(db);
  await sql`ANALYZE continuum.run_attribute_values`.execute(db);
}, 600_000);

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

interface PlanNode {
  readonly "Node Type": string;
  readonly "Relation Name"?: string;
  readonly "Index Name"?: string;
  readonly Plans?: readonly PlanNode[];
}

function nodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodes)];
}

/** The plan of listRuns' statement for `where` as the server plans it for these parameters. */
async function plan(where: AttributeCondition): Promise<PlanNode[]> {
  const filter: RunFilter = { namespace: "default", where, limit: 50 };
  const compiled = listRunsQuery(filter)!.query.compile(db);
  return db.connection().execute(async (connection) => {
    const types = compiled.parameters.map(() => "unknown").join(", ");
    await sql.raw(`PREPARE attrs_page(${types}) AS ${compiled.sql}`).execute(connection);
    const args = compiled.parameters.map((p) => `'${String(p).replaceAll("'", "''")}'`).join(", ");
    const result = await sql
      .raw<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) EXECUTE attrs_page(${args})`)
      .execute(connection);
    await sql`DEALLOCATE attrs_page`.execute(connection);
    return nodes(result.rows[0]!["QUERY PLAN"][0].Plan);
  });
}

describe(`attribute query plans on ${runs} runs (PostgreSQL)`, () => {
  const cases: [string, AttributeCondition, RegExp][] = [
    ["equality (keyword)", attr("customer").eq("c-42"), /run_attribute_values_str_idx/],
    ["equality (double)", attr("total").eq(42.5), /run_attribute_values_num_idx/],
    // a boolean is low-cardinality: walking runs in start order and stopping at the page's end is
    // as good a plan as the GIN lookup, and PostgreSQL picks either
    ["equality (bool)", attr("vip").eq(true), /runs_attributes_idx|runs_order_idx/],
    ["membership (in)", attr("customer").in(["c-1", "c-2", "c-3"]), /run_attribute_values_str_idx/],
    ["membership (keyword[] contains)", attr("tags").contains("t-7"), /runs_attributes_idx/],
    ["membership (containsAny)", attr("tags").containsAny(["t-7", "t-8"]), /runs_attributes_idx/],
    ["range (double)", attr("total").between(100, 100.5), /run_attribute_values_num_idx/],
    [
      "range (datetime)",
      attr("at").between("2026-01-02T00:00:00Z", "2026-01-02T00:30:00Z"),
      /run_attribute_values_at_idx/,
    ],
    ["prefix (keyword)", attr("customer").startsWith("c-199"), /run_attribute_values_str_idx/],
    [
      "equality and range",
      attr("customer").eq("c-42").and(attr("total").gte(900)),
      /run_attribute_values_(str|num)_idx/,
    ],
  ];
  for (const [label, where, index] of cases)
    it(`${label}: an index, no sequential scan`, async () => {
      const planned = await plan(where);
      const described = planned.map(
        (n) => `${n["Node Type"]} ${n["Relation Name"] ?? ""} ${n["Index Name"] ?? ""}`,
      );
      expect(
        planned.filter((n) => n["Node Type"] === "Seq Scan"),
        described.join("\n"),
      ).toEqual([]);
      expect(described.join("\n")).toMatch(index);
    });

  it("the planned statements return what the conditions say", async () => {
    const page = (where: AttributeCondition) =>
      listRunsQuery({ namespace: "default", where, limit: 1000 })!.query.execute(db);
    const prefixed = await page(attr("customer").startsWith("c-199"));
    expect(prefixed.rows.length).toBeGreaterThan(0);
    expect(
      prefixed.rows.every((r) => String((r.attributes as { customer: string }).customer).startsWith("c-199")),
    ).toBe(true);
    const ranged = await page(attr("total").between(100, 100.5));
    expect(ranged.rows.length).toBeGreaterThan(0);
    expect(
      ranged.rows.every((r) => Math.abs((r.attributes as { total: number }).total - 100.25) <= 0.25),
    ).toBe(true);
  });
});
