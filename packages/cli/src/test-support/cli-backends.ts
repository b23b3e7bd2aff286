import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OpenJournalOptions } from "@continuum/core";
import { createTestDatabase, type TestDatabase } from "../../../../tests/support/test-database.ts";

/** Where a CLI suite runs: how to open its journal in-process, and the env and flags the CLI gets. */
export interface CliBackend {
  readonly name: "PostgreSQL" | "PGlite data directory";
  setup(): Promise<{ open: OpenJournalOptions; env: Record<string, string>; args: string[] }>;
  teardown(): Promise<void>;
}

/**
 * The two databases every CLI suite runs on: a scratch PostgreSQL database (reached through
 * `DATABASE_URL`, as an operator would) and an embedded PGlite data directory (`--data-dir`).
 * `label` names the scratch database and directory, so suites never share one.
 */
export function cliBackends(label: string): CliBackend[] {
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  return [
    {
      name: "PostgreSQL",
      async setup() {
        database = await createTestDatabase(`cli_${label}`);
        return { open: { url: database.url, migrate: true }, env: { DATABASE_URL: database.url }, args: [] };
      },
      teardown: async () => database?.drop(),
    },
    {
      name: "PGlite data directory",
      async setup() {
        dataDir = mkdtempSync(join(tmpdir(), `ctm-cli-${label}-`));
        return { open: { dataDir }, env: {}, args: ["--data-dir", dataDir] };
      },
      teardown: async () => {
        if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
      },
    },
  ];
}
