import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../tests/support/test-database.ts";
import { main } from "./main.ts";
import { captured } from "./test-support/captured-io.ts";

const created: TestDatabase[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const database of created) await database.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("continuum CLI", () => {
  it("migrate --print writes every migration with its bookkeeping, touching no database", async () => {
    const io = captured({ DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" });
    expect(await main(["migrate", "--print"], io)).toBe(0);
    expect(io.out()).toContain("CREATE TABLE continuum.runs");
    expect(io.out()).toMatch(
      /INSERT INTO continuum\.schema_migrations .* VALUES \(1, '0001_initial', '[0-9a-f]{64}'\)/,
    );
  });

  it("migrate applies once from DATABASE_URL, then reports the schema current (URL from a file)", async () => {
    const database = await createTestDatabase("cli");
    created.push(database);
    const first = captured({ DATABASE_URL: database.url });
    expect(await main(["migrate"], first)).toBe(0);
    expect(first.out()).toMatch(/applied 0001_initial/);
    expect(first.err()).toBe("");
    const dir = mkdtempSync(join(tmpdir(), "ctm-cli-"));
    dirs.push(dir);
    writeFileSync(join(dir, "database-url"), `${database.url}\n`);
    const second = captured({}, dir);
    expect(await main(["migrate", "--database-url-file", "database-url"], second)).toBe(0);
    expect(second.out()).toMatch(/schema is current \(version \d+\)/);
  });

  it("--database-url still works, with a warning that it shows in ps", async () => {
    const io = captured();
    expect(await main(["migrate", "--database-url", "postgres://u@127.0.0.1:1/db"], io)).toBe(1);
    expect(io.err()).toMatch(/warning: --database-url is visible .*DATABASE_URL.*--database-url-file/);
    expect(io.err()).toContain("CTM_DATABASE_UNAVAILABLE");
  });

  it("refuses --database-url with --database-url-file, and an empty or missing file (exit 2)", async () => {
    const both = captured();
    expect(await main(["migrate", "--database-url=postgres://h/db", "--database-url-file=f"], both)).toBe(2);
    expect(both.err()).toContain("not both");
    const dir = mkdtempSync(join(tmpdir(), "ctm-cli-"));
    dirs.push(dir);
    writeFileSync(join(dir, "empty"), "  \n");
    const empty = captured({}, dir);
    expect(await main(["migrate", "--database-url-file", "empty"], empty)).toBe(2);
    expect(empty.err()).toContain("is empty");
    const missing = captured({}, dir);
    expect(await main(["migrate", "--database-url-file", "nope"], missing)).toBe(2);
    expect(missing.err()).toContain("ENOENT");
  });

  it("rejects unknown commands, flags and missing values with usage (exit 2); help exits 0", async () => {
    const unknownCommand = captured();
    expect(await main(["frobnicate"], unknownCommand)).toBe(2);
    expect(unknownCommand.err()).toContain("unknown command 'frobnicate'");
    const unknownFlag = captured();
    expect(await main(["migrate", "--force"], unknownFlag)).toBe(2);
    expect(unknownFlag.err()).toContain("--force");
    const missingValue = captured();
    expect(await main(["migrate", "--database-url-file"], missingValue)).toBe(2);
    const missingManifest = captured();
    expect(await main(["versions", "check"], missingManifest)).toBe(2);
    expect(missingManifest.err()).toContain("--manifest");
    const nothing = captured();
    expect(await main([], nothing)).toBe(2);
    expect(nothing.err()).toContain("Usage: continuum");
    const help = captured();
    expect(await main(["versions", "check", "--help"], help)).toBe(0);
    expect(help.out()).toMatch(/--manifest <path>[\s\S]*--database-url-file <path>/);
    const version = captured();
    expect(await main(["--version"], version)).toBe(0);
    expect(version.out()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("runs as an executable node script", async () => {
    const script = fileURLToPath(new URL("./main.ts", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [script, "migrate", "--print"]);
    expect(stdout).toContain("CREATE SCHEMA IF NOT EXISTS continuum");
  });
});
