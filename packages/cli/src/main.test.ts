import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createServerDatabase, type ServerDatabase } from "../journal/sql/test-support/sql-test-databases.ts";
import type { CliIo } from "./cli-io.ts";
import { main } from "./main.ts";

const created: ServerDatabase[] = [];
afterAll(async () => {
  for (const database of created) await database.drop();
});

function captured(
  env: Record<string, string | undefined> = {},
): CliIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return { stdout: (t) => (out += t), stderr: (t) => (err += t), env, out: () => out, err: () => err };
}

describe("continuum CLI", () => {
  it("migrate --print writes every migration with its bookkeeping, touching no database", async () => {
    const io = captured({ DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" });
    expect(await main(["migrate", "--print"], io)).toBe(0);
    expect(io.out()).toContain("CREATE TABLE continuum.runs");
    expect(io.out()).toMatch(
      /INSERT INTO continuum\.schema_migrations .* VALUES \(1, '0001_initial', '[0-9a-f]{64}'\)/,
    );
  });

  it("migrate --database-url applies once, then reports the schema current", async () => {
    const database = await createServerDatabase("cli");
    created.push(database);
    const first = captured();
    expect(await main(["migrate", "--database-url", database.url], first)).toBe(0);
    expect(first.out()).toMatch(/applied 0001_initial/);
    const second = captured({ DATABASE_URL: database.url });
    expect(await main(["migrate"], second)).toBe(0);
    expect(second.out()).toMatch(/schema is current \(version \d+\)/);
  });

  it("fails with the stable code and a redacted URL when the server is unreachable", async () => {
    const io = captured();
    expect(await main(["migrate", "--database-url=postgres://u:topsecret@127.0.0.1:1/db"], io)).toBe(1);
    expect(io.err()).toContain("CTM_DATABASE_UNAVAILABLE");
    expect(io.err()).toContain("postgres://u:***@127.0.0.1:1/db");
    expect(io.err()).not.toContain("topsecret");
  });

  it("rejects unknown commands and flags with usage (exit 2)", async () => {
    const unknownCommand = captured();
    expect(await main(["frobnicate"], unknownCommand)).toBe(2);
    expect(unknownCommand.err()).toContain("unknown command: frobnicate");
    const unknownFlag = captured();
    expect(await main(["migrate", "--force"], unknownFlag)).toBe(2);
    expect(unknownFlag.err()).toContain("--force");
    const missingValue = captured();
    expect(await main(["migrate", "--database-url"], missingValue)).toBe(2);
  });

  it("runs as an executable node script", async () => {
    const script = fileURLToPath(new URL("./main.ts", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [script, "migrate", "--print"]);
    expect(stdout).toContain("CREATE SCHEMA IF NOT EXISTS continuum");
  });
});
