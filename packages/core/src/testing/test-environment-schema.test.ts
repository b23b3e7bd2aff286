import pg from "pg";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/index.ts";
import { sleep, workflow } from "../workflow/index.ts";
import { createTestEnvironment } from "./create-test-environment.ts";

// The test kit's own journal in a named instance schema: an app's tests can use the schema the
// app uses, and nothing lands in the default `continuum` schema.

const url = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const napper = workflow.stamped({
  format: 1,
  versionHash: "kit-schema",
  cursors: [],
  file: "test/kit.workflow.ts",
  line: 1,
})("kit-schema-flow", { version: 1 }, async (n: number) => {
  await sleep.at("sleep:#0")(60_000);
  return n + 1;
});

describe("createTestEnvironment({ schema })", () => {
  it("runs the kit (time skipping included) in that schema on PostgreSQL", async () => {
    const env = await createTestEnvironment({ journal: url, schema: "tenancy_kit", workflows: [napper] });
    try {
      const run = await env.client.start(napper, 1);
      expect(await run.result()).toBe(2);
      const client = new pg.Client({ connectionString: env.databaseUrl });
      await client.connect();
      try {
        const runs = await client.query("SELECT count(*)::int AS n FROM tenancy_kit.runs");
        expect(runs.rows[0].n).toBe(1);
        const schemas = await client.query("SELECT nspname FROM pg_namespace WHERE nspname = 'continuum'");
        expect(schemas.rows).toEqual([]);
      } finally {
        await client.end();
      }
    } finally {
      await env.close();
    }
  });

  it("refuses a bad schema name, and a schema with a journal object it did not open", async () => {
    await expect(
      createTestEnvironment({ journal: "pglite", schema: "Bad-Name", workflows: [napper] }),
    ).rejects.toMatchObject({
      code: ErrorCode.InvalidSchemaName,
    });
    const env = await createTestEnvironment({ workflows: [napper] });
    try {
      await expect(
        createTestEnvironment({ journal: env.journal, schema: "tenancy_kit", workflows: [napper] }),
      ).rejects.toMatchObject({ code: ErrorCode.TestKit });
    } finally {
      await env.close();
    }
  });
});
