import { execFile, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../tests/support/test-database.ts";
import { main } from "../main.ts";
import { captured } from "../test-support/captured-io.ts";

// `continuum init` in a scratch TypeScript app outside the workspace: what it edits, that a second
// run changes nothing, and that the sample it writes compiles under tspc with the real transformer
// (the workspace's core and transformer, linked in as an installed app would have them). Core is
// linked as TypeScript source here, so the app's tsconfig must suit core's own sources; the
// packaging test covers the built packages under a stricter one.

const repo = fileURLToPath(new URL("../../../../", import.meta.url));
const dirs: string[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const database of databases) await database.drop();
});

const tsconfigText = `{
  // the app's own settings, with comments and a trailing comma: both must survive
  "compilerOptions": {
    "target": "ES2023",
    "module": "NodeNext",
    "strict": true,
    "allowImportingTsExtensions": true,
    "rewriteRelativeImportExtensions": true,
    "skipLibCheck": true,
    "rootDir": "src",
    "outDir": "dist", // emitted JavaScript
  },
  "include": ["src"],
}
`;

function scratchApp(): string {
  const dir = mkdtempSync(join(tmpdir(), "ctm-init-"));
  dirs.push(dir);
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "shop", private: true, type: "module", dependencies: { zod: "^4.0.0" } }, null, 2)}\n`,
  );
  writeFileSync(join(dir, "tsconfig.json"), tsconfigText);
  writeFileSync(join(dir, "pnpm-lock.yaml"), "lockfileVersion: '9.0'\n");
  return dir;
}

const run = (file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) =>
  new Promise<{ code: number; output: string }>((resolve) => {
    execFile(file, args, { cwd, env }, (error, stdout, stderr) => {
      resolve({
        code: error === null ? 0 : typeof error.code === "number" ? error.code : 1,
        output: stdout + stderr,
      });
    });
  });

describe("continuum init", () => {
  it("refuses a directory without package.json or tsconfig.json, changing nothing", async () => {
    const empty = mkdtempSync(join(tmpdir(), "ctm-init-"));
    dirs.push(empty);
    const io = captured({}, empty);
    expect(await main(["init"], io)).toBe(1);
    expect(io.err()).toMatch(/no package\.json in .*\n {2}fix: /);
    writeFileSync(join(empty, "package.json"), "{}\n");
    const noTsconfig = captured({}, empty);
    expect(await main(["init"], noTsconfig)).toBe(1);
    expect(noTsconfig.err()).toContain("no tsconfig.json");
    expect(readFileSync(join(empty, "package.json"), "utf8")).toBe("{}\n");
    expect(existsSync(join(empty, "src"))).toBe(false);
  });

  it("refuses a tsconfig.json it cannot parse, before writing anything", async () => {
    const dir = scratchApp();
    writeFileSync(join(dir, "tsconfig.json"), '{ "compilerOptions": { "strict": true ');
    const io = captured({}, dir);
    expect(await main(["init"], io)).toBe(1);
    expect(io.err()).toContain("tsconfig.json is not valid JSON(C)");
    expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))).not.toHaveProperty("devDependencies");
    expect(existsSync(join(dir, "src"))).toBe(false);
  });

  it(
    "sets an app up, keeps its comments, changes nothing the second time; the sample compiles with tspc and runs",
    {
      timeout: 240_000,
    },
    async () => {
      const dir = scratchApp();
      const io = captured({}, dir);
      expect(await main(["init"], io)).toBe(0);
      const tsconfig = readFileSync(join(dir, "tsconfig.json"), "utf8");
      expect(tsconfig).toContain("// the app's own settings, with comments and a trailing comma");
      expect(tsconfig).toContain('"outDir": "dist", // emitted JavaScript');
      expect(tsconfig).toMatch(
        /"transform": "@continuum\/transformer\/tspc-check",\s*"transformProgram": true/,
      );
      expect(tsconfig).toContain('"transform": "@continuum/transformer/tspc-rewrite"');
      expect(tsconfig).toContain('"name": "@continuum/transformer/tsserver"');
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Record<
        string,
        Record<string, string>
      >;
      expect(manifest.dependencies).toMatchObject({
        zod: "^4.0.0",
        "@continuum/core": expect.stringMatching(/^\^/),
      });
      expect(Object.keys(manifest.devDependencies ?? {})).toEqual(
        expect.arrayContaining(["@continuum/transformer", "ts-patch", "typescript", "@types/node"]),
      );
      expect(manifest.scripts?.prepare).toBe("ts-patch install -s");
      for (const file of ["activities.ts", "greeting.workflow.ts", "worker.ts", "client.ts"])
        expect(existsSync(join(dir, "src/continuum", file))).toBe(true);
      expect(io.out()).toContain("tsconfig.json: added plugin @continuum/transformer/tspc-check");
      expect(io.out()).toContain("pnpm install"); // the lockfile says pnpm; nothing was installed
      expect(io.out()).toContain("node dist/continuum/client.js");
      expect(existsSync(join(dir, "node_modules"))).toBe(false);

      const snapshot = (): string =>
        [
          "tsconfig.json",
          "package.json",
          ...["activities", "greeting.workflow", "worker", "client"].map((f) => `src/continuum/${f}.ts`),
        ]
          .map((f) => readFileSync(join(dir, f), "utf8"))
          .join("\n---\n");
      const before = snapshot();
      const again = captured({}, dir);
      expect(await main(["init"], again)).toBe(0);
      expect(again.out()).toContain("already set up");
      expect(snapshot()).toBe(before);

      // Link what `pnpm install` would install, from the workspace, and build with tspc.
      mkdirSync(join(dir, "node_modules/@continuum"), { recursive: true });
      mkdirSync(join(dir, "node_modules/@types"), { recursive: true });
      symlinkSync(join(repo, "packages/core"), join(dir, "node_modules/@continuum/core"));
      symlinkSync(join(repo, "transformer"), join(dir, "node_modules/@continuum/transformer"));
      for (const name of ["typescript", "ts-patch", "@types/node"])
        symlinkSync(join(repo, "node_modules", name), join(dir, "node_modules", name));
      const tspc = join(repo, "node_modules/ts-patch/bin/tspc.js");
      const build = await run(process.execPath, [tspc, "-p", "."], dir);
      expect(build.output).toBe("");
      expect(build.code).toBe(0);
      const emitted = readFileSync(join(dir, "dist/continuum/greeting.workflow.js"), "utf8");
      expect(emitted).toMatch(/\.stamped\(|\.at\(/); // the rewrite stamped the workflow's effect calls

      // The sample runs: `continuum migrate`, a worker process, and the client script it serves.
      const database = await createTestDatabase("cli_init");
      databases.push(database);
      expect(await main(["migrate"], captured({ DATABASE_URL: database.url }))).toBe(0);
      const env = { ...process.env, DATABASE_URL: database.url };
      const worker = spawn(process.execPath, ["dist/continuum/worker.js"], { cwd: dir, env, stdio: "pipe" });
      let workerOutput = "";
      worker.stdout.on("data", (chunk: Buffer) => (workerOutput += chunk.toString()));
      worker.stderr.on("data", (chunk: Buffer) => (workerOutput += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => worker.on("exit", (code) => resolve(code)));
      try {
        const client = await run(process.execPath, ["dist/continuum/client.js"], dir, env);
        expect(client.output).toContain("result: { text: 'Hello, world!'");
        expect(client.code).toBe(0);
      } finally {
        worker.kill("SIGTERM");
      }
      expect(await exited).toBe(0); // SIGTERM stops the engine gracefully
      expect(workerOutput).toMatch(/worker running[\s\S]*Hello, world![\s\S]*completed/);

      // The checker is live: a wall-clock read in the workflow fails the build with its code.
      const workflowFile = join(dir, "src/continuum/greeting.workflow.ts");
      writeFileSync(
        workflowFile,
        readFileSync(workflowFile, "utf8").replace("await sleep(", "Date.now();\n  await sleep("),
      );
      const bad = await run(process.execPath, [tspc, "-p", "."], dir);
      expect(bad.code).not.toBe(0);
      expect(bad.output).toContain("CTM1001");
      // init set noEmitOnError: the failing workflow is not written over the good build's output.
      expect(readFileSync(join(dir, "dist/continuum/greeting.workflow.js"), "utf8")).toBe(emitted);
    },
  );
});
