import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import {
  assertBuilt,
  findPublicPackages,
  manifestTargets,
  optionalPeerDependencies,
  packPackages,
  runtimeEntryPoints,
  typedEntryPoints,
  type PackedPackage,
} from "./public-packages.ts";
import { describeResult, runCommand, type CommandResult } from "./run-command.ts";
import { badWorkflowLocation, writeScratchApp } from "./scratch-app.ts";

// Every public package packed once, installed with plain npm into an app outside the workspace,
// compiled with tspc under the strictest user settings, and run on embedded PGlite and on
// PostgreSQL: once on the Node running this suite (24) and once on Node 22.

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const rootManifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  devDependencies: Record<string, string>;
};
/** The OpenTelemetry SDK an app using @continuum/otel installs: the versions its own tests use. */
const otelSdk = ((): string[] => {
  const { devDependencies } = JSON.parse(readFileSync(join(root, "packages/otel/package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  };
  return ["@opentelemetry/api", "@opentelemetry/sdk-trace", "@opentelemetry/context-async-hooks"].map(
    (name) => `${name}@${devDependencies[name]}`,
  );
})();

/** Node 22: CONTINUUM_NODE22, else where .ci/run installs it. */
function findNode22(): string | undefined {
  const fromEnv = process.env["CONTINUUM_NODE22"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const cached = join(homedir(), ".cache/continuum/node22/node_modules/node/bin/node");
  return existsSync(cached) ? cached : undefined;
}
const node22 = findNode22();
const runtimes = [
  { label: `Node ${process.versions.node.split(".")[0]} (this suite's)`, node: process.execPath },
  { label: "Node 22", node: node22 ?? "" },
];
if (node22 === undefined) {
  console.warn(
    "tests/packaging: the Node 22 run is SKIPPED: no Node 22 binary. Set CONTINUUM_NODE22 to one, or " +
      "install it where .ci/run does: npm install --prefix ~/.cache/continuum/node22 node@22",
  );
}

/**
 * The environment of a user's shell: the chosen Node first on PATH, none of the variables pnpm
 * and vitest set for their own children (npm would read npm_* as its configuration).
 */
function userEnv(node: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const ours = /^(npm_|pnpm_|PNPM_|VITEST|NODE_OPTIONS$|NODE_ENV$|INIT_CWD$|DATABASE_URL$)/i.test(key);
    if (!ours || /^npm_config_(registry|cache|userconfig)$/i.test(key)) env[key] = value;
  }
  env["PATH"] = `${dirname(node)}${delimiter}${process.env["PATH"] ?? ""}`;
  return { ...env, ...extra };
}

let scratch: string;
let packed: PackedPackage[];

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "continuum-packaging-"));
  const packages = findPublicPackages(root);
  for (const pkg of packages) assertBuilt(pkg, root);
  const tarballs = join(scratch, "tarballs");
  mkdirSync(tarballs);
  packed = await packPackages(packages, tarballs);
}, 120_000);

afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

describe("the packed tarballs", () => {
  it("hold built JavaScript with declarations, a license and no tests; the manifest points into them", () => {
    expect(packed.map((p) => p.packed.name)).toEqual(
      expect.arrayContaining(["@continuum/core", "@continuum/transformer"]),
    );
    for (const pkg of packed) {
      const name = pkg.packed.name;
      expect(pkg.files, name).toContain("LICENSE");
      expect(pkg.files, name).toContain("README.md");
      expect(
        pkg.files.filter((f) => /\.test\.|test-support\/|(^|\/)src\//.test(f)),
        name,
      ).toEqual([]);
      expect(
        pkg.files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")),
        name,
      ).toEqual([]);
      expect(pkg.packed.license, name).toBe("Apache-2.0");
      expect(pkg.packed.engines?.["node"], name).toBe(">=22");
      const targets = manifestTargets(pkg.packed);
      expect(targets.length, name).toBeGreaterThan(0);
      expect(
        targets.filter((t) => !pkg.files.includes(t)),
        `${name}: targets missing from the tarball`,
      ).toEqual([]);
      expect(
        targets.filter((t) => /\.ts$/.test(t) && !t.endsWith(".d.ts")),
        name,
      ).toEqual([]);
      expect(JSON.stringify(pkg.packed), name).not.toContain("workspace:");
    }
  });

  it("core ships exactly the repository's migrations", () => {
    const core = packed.find((p) => p.packed.name === "@continuum/core");
    const shipped = core?.files.filter((f) => f.startsWith("dist/migrations/")).map((f) => f.slice(16));
    const source = readdirSync(join(root, "migrations")).filter((f) => /^\d{4}_.*\.sql$/.test(f));
    expect(shipped).toEqual(source.sort());
    for (const file of source) {
      expect(readFileSync(join(core?.unpackedDir ?? "", "dist/migrations", file), "utf8"), file).toBe(
        readFileSync(join(root, "migrations", file), "utf8"),
      );
    }
  });
});

describe.each(runtimes)(
  "installed from the tarballs in an app outside the workspace, on $label",
  ({ node }) => {
    const available = node !== "";
    let app: string;
    let database: TestDatabase | undefined;
    const inApp = (
      command: string,
      args: readonly string[],
      extra?: Record<string, string>,
    ): Promise<CommandResult> => runCommand(command, args, { cwd: app, env: userEnv(node, extra) });

    beforeAll(async () => {
      if (!available) return;
      app = join(scratch, `app-node-${process.pid}-${runtimes.findIndex((r) => r.node === node)}`);
      writeScratchApp(
        app,
        packed.flatMap((p) => typedEntryPoints(p.packed)),
      );
      const nodeMajor = (await inApp("node", ["-p", "process.versions.node.split('.')[0]"])).stdout.trim();
      // One plain npm install: the tarballs, plus what the README tells a user to add.
      const install = await inApp("npm", [
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        "--engine-strict",
        ...packed.map((p) => p.tarball),
        `typescript@${rootManifest.devDependencies["typescript"]}`,
        `ts-patch@${rootManifest.devDependencies["ts-patch"]}`,
        `@types/node@${nodeMajor}`,
        ...otelSdk,
      ]);
      expect(install.code, describeResult("npm install", install)).toBe(0);
      database = await createTestDatabase("packaging");
    }, 300_000);

    afterAll(async () => {
      await database?.drop();
    });

    it.runIf(available)("runs the Node it was asked to", async () => {
      const version = await inApp("node", ["--version"]);
      const wanted = node === process.execPath ? process.version : "v22.";
      expect(version.stdout.trim().startsWith(wanted), version.stdout).toBe(true);
    });

    it.runIf(available)(
      "every entry point loads in plain node; only one needing an optional peer may ask for it",
      async () => {
        const specifiers = packed.flatMap((p) => runtimeEntryPoints(p.packed));
        const script = `const failed = [];
for (const specifier of ${JSON.stringify(specifiers)}) {
  try { await import(specifier); } catch (error) { failed.push({ specifier, message: String(error.message) }); }
}
console.log(JSON.stringify(failed));`;
        const run = await inApp("node", ["--input-type=module", "-e", script]);
        expect(run.code, describeResult("importing every entry point", run)).toBe(0);
        const failed = JSON.parse(run.stdout) as { specifier: string; message: string }[];
        const optionalPeers = packed.flatMap((p) => optionalPeerDependencies(p.packed));
        const unexpected = failed.filter(
          (f) => !optionalPeers.some((peer) => f.message.includes(`Cannot find package '${peer}'`)),
        );
        expect(unexpected).toEqual([]);
        expect(specifiers.length - failed.length).toBeGreaterThan(0);
      },
      300_000,
    );

    it.runIf(available)(
      "tspc compiles the workflow, and the declarations of every public entry point, with zero errors",
      async () => {
        const tspc = await inApp(join(app, "node_modules/.bin/tspc"), ["-p", "."]);
        expect(tspc.code, describeResult("tspc -p .", tspc)).toBe(0);
        expect(`${tspc.stdout}${tspc.stderr}`).toBe("");
        // Stamped by the rewrite: the runtime refuses an unstamped workflow.
        expect(readFileSync(join(app, "dist/greeting.workflow.js"), "utf8")).toContain("workflow.stamped(");
      },
      300_000,
    );

    it.runIf(available)(
      "tspc rejects Date.now() in a workflow with CTM1001 at its line and column",
      async () => {
        const tspc = await inApp(join(app, "node_modules/.bin/tspc"), ["-p", "tsconfig.bad.json"]);
        expect(tspc.code, describeResult("tspc -p tsconfig.bad.json", tspc)).not.toBe(0);
        expect(tspc.stdout).toContain(`${badWorkflowLocation}: error TS771001: CTM1001: Date.now()`);
      },
      300_000,
    );

    it.runIf(available)(
      "runs the compiled workflow to its result on embedded PGlite (migrated from the installed package)",
      async () => {
        const run = await inApp("node", ["dist/main.js"]);
        expect(run.code, describeResult("node dist/main.js", run)).toBe(0);
        const last = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "null") as {
          node: string;
          result: unknown;
        };
        expect(last.result).toEqual({ text: "hello scratch" });
        expect(existsSync(join(app, ".continuum/pgdata"))).toBe(true);
      },
      300_000,
    );

    it.runIf(available)(
      "npx continuum migrate sets up PostgreSQL, and the workflow runs there",
      async () => {
        const withBin = packed.filter((p) => p.packed.bin?.["continuum"] !== undefined);
        expect(
          withBin.map((p) => p.packed.name),
          "packages providing the continuum bin",
        ).toHaveLength(1);
        const url = { DATABASE_URL: database?.url ?? "" };
        const migrate = await inApp("npx", ["--no-install", "continuum", "migrate"], url);
        expect(migrate.code, describeResult("npx continuum migrate", migrate)).toBe(0);
        expect(migrate.stdout).toContain("applied 0001_initial");
        const again = await inApp("npx", ["--no-install", "continuum", "migrate"], url);
        expect(again.code, describeResult("npx continuum migrate (again)", again)).toBe(0);
        expect(again.stdout).not.toContain("applied 0001_initial");
        const run = await inApp("node", ["dist/main.js"], url);
        expect(run.code, describeResult("node dist/main.js on PostgreSQL", run)).toBe(0);
        expect(JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "null")).toMatchObject({
          result: { text: "hello scratch" },
        });
      },
      300_000,
    );

    it.runIf(available)(
      "@continuum/otel traces a run: one trace from the caller's span through start, run, step and activity",
      async () => {
        const run = await inApp("node", ["dist/otel-smoke.js"]);
        expect(run.code, describeResult("node dist/otel-smoke.js", run)).toBe(0);
        const { result, spans } = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "null") as {
          result: unknown;
          spans: { name: string; traceId: string; spanId: string; parent: string | null }[];
        };
        expect(result).toEqual({ text: "hello otel" });
        const names = spans.map((s) => s.name);
        for (const name of ["request", "start_workflow greeting", "run greeting", "activity scratch.greet"])
          expect(names, JSON.stringify(names)).toContain(name);
        expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
        const ids = new Set(spans.map((s) => s.spanId));
        expect(spans.filter((s) => s.parent === null || !ids.has(s.parent)).map((s) => s.name)).toEqual([
          "request",
        ]);
      },
      300_000,
    );

    it.runIf(available)(
      "@continuum/observer serves its pages and assets from the packed tarball on node:http",
      async () => {
        const run = await inApp("node", ["dist/observer-smoke.js"]);
        expect(run.code, describeResult("node dist/observer-smoke.js", run)).toBe(0);
        const result = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "null") as Record<string, unknown>;
        expect(result).toMatchObject({ runs: 200, listsRun: true, run: 200, showsResult: true, css: 200 });
        expect(result["csp"]).toContain("script-src 'self'");
        expect(result["cssType"]).toContain("text/css");
        expect(result["cssBytes"]).toBeGreaterThan(1000);
      },
      300_000,
    );

    it.runIf(available)(
      "the node loader runs the workflow from its TypeScript source (checked and stamped on import)",
      async () => {
        const url = { DATABASE_URL: database?.url ?? "" };
        const args = ["--import", "@continuum/transformer/register", "src/main.ts", "loader-1"];
        const run = await inApp("node", args, url);
        expect(run.code, describeResult(`node ${args.join(" ")}`, run)).toBe(0);
        expect(JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "null")).toMatchObject({
          result: { text: "hello scratch" },
        });
      },
      300_000,
    );
  },
);
