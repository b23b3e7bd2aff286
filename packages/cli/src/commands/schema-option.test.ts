import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, openJournal, workflow, type OpenJournalOptions } from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../main.ts";
import { cliBackends } from "../test-support/cli-backends.ts";
import { captured } from "../test-support/captured-io.ts";

// `--schema`, the config file's `schema` and CONTINUUM_SCHEMA choose which Continuum instance a
// command reads; a run started in instance tenancy_cli is seen there and nowhere else.

const flow = workflow.stamped({
  format: 1,
  versionHash: "cli-schema",
  cursors: [],
  file: "test/cli-schema.workflow.ts",
  line: 1,
})("cli-schema-flow", { version: 1 }, async (n: number) => n + 1);

const schema = "tenancy_cli";
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.each(cliBackends("tenancy_schema"))("the CLI's instance schema on $name", (backend) => {
  let env: Record<string, string>;
  let args: string[];
  let open: OpenJournalOptions;

  beforeAll(async () => {
    ({ env, args, open } = await backend.setup());
    const journal = await openJournal({ ...open, schema, migrate: true });
    try {
      await createClient({ journal }).start(flow, 1, { id: "in-tenancy" });
      await createClient({ journal, namespace: "billing" }).start(flow, 2, { id: "in-billing" });
    } finally {
      await journal.close();
    }
  });
  afterAll(() => backend.teardown());

  const list = async (extraEnv: Record<string, string>, extraArgs: string[], cwd?: string) => {
    const io = captured({ ...env, ...extraEnv }, cwd);
    const code = await main(["runs", "list", "--json", ...args, ...extraArgs], io);
    return { code, out: io.out(), err: io.err() };
  };

  it("--schema and CONTINUUM_SCHEMA read that instance", async () => {
    const byFlag = await list({}, ["--schema", schema]);
    expect(byFlag.err).toBe("");
    expect(byFlag.out).toContain('"in-tenancy"');
    const byEnv = await list({ CONTINUUM_SCHEMA: schema }, []);
    expect(byEnv.out).toContain('"in-tenancy"');
  });

  it("the config file's schema applies; CONTINUUM_SCHEMA and --schema win over it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ctm-cli-tenancy-"));
    dirs.push(dir);
    writeFileSync(join(dir, "continuum.config.json"), JSON.stringify({ schema }));
    expect((await list({}, [], dir)).out).toContain('"in-tenancy"');
    const envWins = await list({ CONTINUUM_SCHEMA: "tenancy_other" }, [], dir);
    expect(envWins.out).not.toContain('"in-tenancy"');
    const flagWins = await list({ CONTINUUM_SCHEMA: "tenancy_other" }, ["--schema", schema], dir);
    expect(flagWins.out).toContain('"in-tenancy"');
  });

  it("without a schema the default instance is read, which does not have the run", async () => {
    const plain = await list({}, []);
    expect(plain.out).not.toContain('"in-tenancy"');
  });

  it("refuses a schema that is not a plain identifier with CTM_INVALID_SCHEMA_NAME", async () => {
    const bad = await list({}, ["--schema", "Select"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("CTM_INVALID_SCHEMA_NAME");
    const badEnv = await list({ CONTINUUM_SCHEMA: "select" }, []);
    expect(badEnv.err).toContain("CTM_INVALID_SCHEMA_NAME");
  });

  it("CONTINUUM_NAMESPACE and the config's namespace scope the listing; --namespace '*' lists all", async () => {
    const scoped = await list({ CONTINUUM_SCHEMA: schema, CONTINUUM_NAMESPACE: "billing" }, []);
    expect(scoped.out).toContain('"in-billing"');
    expect(scoped.out).not.toContain('"in-tenancy"');
    const dir = mkdtempSync(join(tmpdir(), "ctm-cli-tenancy-"));
    dirs.push(dir);
    writeFileSync(join(dir, "continuum.config.json"), JSON.stringify({ schema, namespace: "billing" }));
    const byConfig = await list({}, [], dir);
    expect(byConfig.out).toContain('"in-billing"');
    expect(byConfig.out).not.toContain('"in-tenancy"');
    const all = await list({}, ["--namespace", "*"], dir);
    expect(all.out).toContain('"in-billing"');
    expect(all.out).toContain('"in-tenancy"');
    const unscoped = await list({ CONTINUUM_SCHEMA: schema }, []);
    expect(unscoped.out).toContain('"in-billing"');
  });

  it("migrate --schema migrates that instance; --print writes its SQL", async () => {
    const io = captured(env);
    expect(await main(["migrate", ...args, "--schema", "tenancy_cli_two"], io)).toBe(0);
    expect(io.out()).toMatch(/\(schema tenancy_cli_two\): applied 0001_initial/);
    const printed = captured({});
    expect(await main(["migrate", "--print", "--schema", "tenancy_cli_two"], printed)).toBe(0);
    expect(printed.out()).toContain('CREATE TABLE "tenancy_cli_two".runs');
    expect(printed.out()).not.toMatch(/\bcontinuum\./);
  });
});
