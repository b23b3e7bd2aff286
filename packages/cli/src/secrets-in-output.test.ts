import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { migrateDatabase, openJournal } from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../tests/support/test-database.ts";
import { main } from "./main.ts";
import { captured } from "./test-support/captured-io.ts";

// No password reaches any CLI output or thrown error, in every connection-string form, whether
// the connection fails (unreachable host, missing database, malformed URL) or succeeds (the
// shared server uses trust auth, so a "wrong" password is accepted and the success line is checked).

const password = "Sup3r$ecret pw/2026";
const encoded = encodeURIComponent(password);
const pgpassword = "pgpass-env-secret-77";
/** Every spelling a leak could take. */
const spellings = [password, encoded, "Sup3r", "ecret pw", pgpassword];

let database: TestDatabase;
let dir: string;
beforeAll(async () => {
  database = await createTestDatabase("cli_secrets");
  dir = mkdtempSync(join(tmpdir(), "ctm-cli-secrets-"));
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ format: 1, workflows: [] }));
});
afterAll(async () => {
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

const forms = (): Record<string, string> => ({
  "URL user:password, unreachable": `postgres://app:${encoded}@127.0.0.1:1/orders`,
  "URL user:password, no such database": `postgres://postgres:${encoded}@127.0.0.1:5432/ctm_no_such_database_x`,
  "URL user:password, accepted (trust)": `postgres://postgres:${encoded}@127.0.0.1:5432/${database.name}`,
  "?password=": `postgres://app@127.0.0.1:1/orders?password=${encoded}`,
  "&sslpassword= and &password=": `postgres://app@127.0.0.1:1/orders?sslmode=disable&sslpassword=${encoded}&password=${encoded}`,
  "key=value": `host=127.0.0.1 port=1 user=app password=${encoded} dbname=orders`,
  "key=value quoted": `host=127.0.0.1 port=1 password='${password}' dbname=orders`,
  "malformed URL (bad port)": `postgres://app:${encoded}@127.0.0.1:port/orders`,
  "malformed URL (raw password)": `postgres://app:${password}@@127.0.0.1:1/orders`,
});

const commands: Record<string, string[]> = {
  migrate: ["migrate"],
  "versions check": ["versions", "check", "--manifest", "manifest.json"],
  "runs list": ["runs", "list"],
  "runs show": ["runs", "show", "no-such-run"],
  "runs history": ["runs", "history", "no-such-run"],
  "runs signal": ["runs", "signal", "no-such-run", "go", "--payload", "1"],
  "runs cancel": ["runs", "cancel", "no-such-run"],
  workflows: ["workflows"],
  health: ["health", "--stale-after", "1h"],
  audit: ["audit", "--skip", "leases_past_expiry"],
  "runs terminate": ["runs", "terminate", "no-such-run"],
  "runs retry": ["runs", "retry", "no-such-run"],
  repair: ["repair", "overdue-timers"],
  "audit-log": ["audit-log"],
};

/** Commands that fail on a reachable database too (the run they name does not exist). */
const failsWhenReachable = new Set([
  "runs show",
  "runs history",
  "runs signal",
  "runs cancel",
  "runs terminate",
  "runs retry",
]);

describe("no password in any CLI output", () => {
  for (const [command, argv] of Object.entries(commands)) {
    for (const via of ["DATABASE_URL", "--database-url", "--database-url-file"] as const) {
      it(`${command}, URL from ${via}, every form`, async () => {
        const previous = process.env.PGPASSWORD;
        process.env.PGPASSWORD = pgpassword;
        try {
          for (const [form, url] of Object.entries(forms())) {
            writeFileSync(join(dir, "url"), `${url}\n`);
            const io = captured(
              { ...(via === "DATABASE_URL" ? { DATABASE_URL: url } : {}), PGPASSWORD: pgpassword },
              dir,
            );
            const args =
              via === "--database-url"
                ? [...argv, `--database-url=${url}`]
                : via === "--database-url-file"
                  ? [...argv, "--database-url-file", "url"]
                  : argv;
            const code = await main(args, io);
            const shown = `${io.out()}\n${io.err()}`;
            for (const spelling of spellings) expect(shown, `${form}: ${shown}`).not.toContain(spelling);
            // Every run said something: a success line or an error naming the problem.
            expect(shown.trim(), form).not.toBe("");
            if (form.includes("accepted")) expect(code, shown).toBe(failsWhenReachable.has(command) ? 1 : 0);
            else expect(code, `${form}: ${shown}`).toBe(1);
          }
        } finally {
          if (previous === undefined) delete process.env.PGPASSWORD;
          else process.env.PGPASSWORD = previous;
        }
      });
    }
  }
});

describe("no password in commander's own messages", () => {
  it("a connection string typed where no argument belongs, or as an unknown option's value", async () => {
    const url = `postgres://app:${encoded}@127.0.0.1:1/orders`;
    for (const argv of [
      ["migrate", url],
      ["migrate", `--databse-url=${url}`],
      ["versions", "check", "--manifest", url, url],
    ]) {
      const io = captured();
      expect(await main(argv, io)).toBe(2);
      for (const spelling of spellings) expect(io.out() + io.err()).not.toContain(spelling);
    }
  });
});

describe("no password in errors thrown by core", () => {
  it("openJournal and migrateDatabase, every failing form: message, data, stack and cause", async () => {
    const previous = process.env.PGPASSWORD;
    process.env.PGPASSWORD = pgpassword;
    try {
      for (const [form, url] of Object.entries(forms())) {
        if (form.includes("accepted")) continue;
        for (const open of [() => openJournal({ url }), () => migrateDatabase({ url })]) {
          const error = await open().then(
            (opened) => {
              void (opened as { close?: () => Promise<void> }).close?.();
              return new Error(`${form}: opened`);
            },
            (thrown: unknown) => thrown,
          );
          const text = inspect(error, { depth: 10 });
          for (const spelling of spellings) expect(text, `${form}: ${text}`).not.toContain(spelling);
        }
      }
    } finally {
      if (previous === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = previous;
    }
  });
});
