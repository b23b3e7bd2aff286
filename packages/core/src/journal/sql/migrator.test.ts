import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/index.ts";
import { dumpSchema, schemaDumpPath } from "./dump-schema.ts";
import { appliedMigrations, loadMigrations, migrate, migrationSql, migrationsDir } from "./migrator.ts";
import type { SqlExecutor } from "./sql-fragments.ts";
import { splitSqlStatements } from "./split-sql.ts";
import {
  createServerDatabase,
  memoryPglite,
  serverKysely,
  type ServerDatabase,
} from "./test-support/sql-test-databases.ts";

const created: ServerDatabase[] = [];
async function freshServerDatabase(): Promise<ServerDatabase> {
  const database = await createServerDatabase("migrator");
  created.push(database);
  return database;
}
let pglite: Promise<SqlExecutor> | undefined;
const sharedPglite = (): Promise<SqlExecutor> => (pglite ??= memoryPglite().then((p) => p.db));
afterAll(async () => {
  for (const database of created) await database.drop();
  if (pglite !== undefined) await (await pglite).destroy();
});

const committedDump = (): string => readFileSync(schemaDumpPath(migrationsDir()), "utf8");

describe("splitSqlStatements", () => {
  it("splits on top-level semicolons only", () => {
    const script = [
      "-- a comment; not a statement",
      "CREATE TABLE a (x text DEFAULT 'semi;colon', \"we;ird\" int);",
      "/* block; comment */ CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;",
      "SELECT 'it''s; fine', $$ a; b $$",
    ].join("\n");
    const statements = splitSqlStatements(script);
    expect(statements).toHaveLength(3);
    expect(statements[0]).toContain('"we;ird" int)');
    expect(statements[1]).toMatch(/END \$body\$$/);
    expect(statements[2]).toBe("SELECT 'it''s; fine', $$ a; b $$");
  });
});

describe("migrationsDir", () => {
  it("from source reads the repository's top-level migrations/, never a built copy", () => {
    // A built package reads dist/migrations (tests/packaging installs one and runs it); from
    // source, a stale copy in dist/ must not shadow the only place DDL is written.
    const repoMigrations = resolve(fileURLToPath(import.meta.url), "../../../../../../migrations");
    expect(migrationsDir()).toBe(repoMigrations);
    expect(loadMigrations().map((m) => m.name)).toContain("0001_initial");
  });
});

describe("migrate", () => {
  it("applies every migration once when several processes migrate a fresh server database at once", async () => {
    const database = await freshServerDatabase();
    const dbs = Array.from({ length: 6 }, () => serverKysely(database.url, 2));
    try {
      const results = await Promise.all(dbs.map((db) => migrate(db)));
      const names = loadMigrations().map((m) => m.name);
      expect(results.flatMap((r) => r.applied).sort()).toEqual([...names].sort());
      expect(results.every((r) => r.version === loadMigrations().at(-1)?.version)).toBe(true);
      const rows = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM continuum.schema_migrations`.execute(dbs[0]!);
      expect(rows.rows[0]?.n).toBe(names.length);
      expect(await migrate(dbs[0]!)).toMatchObject({ applied: [] });
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()));
    }
  });

  it("leaves a freshly migrated server database exactly as the committed schema dump", async () => {
    const database = await freshServerDatabase();
    const db = serverKysely(database.url, 1);
    try {
      await migrate(db);
      expect(await dumpSchema(db)).toBe(committedDump());
    } finally {
      await db.destroy();
    }
  });

  it("leaves a freshly migrated PGlite exactly as the committed schema dump", async () => {
    const db = await sharedPglite();
    await migrate(db);
    expect(await dumpSchema(db)).toBe(committedDump());
  });

  it("the printed script (continuum migrate --print) builds the same schema and records itself", async () => {
    const database = await freshServerDatabase();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const db = serverKysely(database.url, 1);
    try {
      await client.query(migrationSql());
      expect(await dumpSchema(db)).toBe(committedDump());
      expect([...(await appliedMigrations(db)).keys()]).toEqual(loadMigrations().map((m) => m.version));
      expect(await migrate(db)).toMatchObject({ applied: [] });
    } finally {
      await client.end();
      await db.destroy();
    }
  });

  it("rolls a failing migration back whole and reports it; an edited applied migration is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ctm-migrations-"));
    const shipped = loadMigrations();
    for (const m of shipped) copyFileSync(join(migrationsDir(), `${m.name}.sql`), join(dir, `${m.name}.sql`));
    writeFileSync(
      join(dir, "0099_broken.sql"),
      "CREATE TABLE continuum.half_done (x int);\nSELECT no_such_function();\n",
    );
    // Continues on the PGlite the previous test migrated (one cold start per file).
    const db = await sharedPglite();
    await migrate(db);
    {
      const failure = migrate(db, loadMigrations(dir));
      await expect(failure).rejects.toMatchObject({
        code: ErrorCode.MigrationFailed,
        data: { version: 99, name: "0099_broken" },
      });
      expect([...(await appliedMigrations(db)).keys()]).toEqual(shipped.map((m) => m.version));
      const leftover = await sql<{
        t: string | null;
      }>`SELECT to_regclass('continuum.half_done')::text AS t`.execute(db);
      expect(leftover.rows[0]?.t).toBeNull();

      writeFileSync(
        join(dir, "0001_initial.sql"),
        `${readFileSync(join(dir, "0001_initial.sql"), "utf8")}\n-- edited\n`,
      );
      writeFileSync(join(dir, "0099_broken.sql"), "SELECT 1;\n");
      await expect(migrate(db, loadMigrations(dir))).rejects.toMatchObject({
        code: ErrorCode.MigrationFailed,
        data: { version: 1 },
      });
    }
  });
});
