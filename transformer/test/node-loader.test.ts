import { spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTempProject,
  ensureTransformerBuilt,
  installCoreStub,
  type TempProject,
} from "./support/temp-project.ts";
import { TRANSFORMER_DIR } from "./support/test-program.ts";

const REGISTER = path.join(TRANSFORMER_DIR, "dist/loader/register.js");

const ORDER = `import { activity, sleep, workflow } from "@continuum/core";
import * as acts from "./acts.ts";

export const order = workflow("order", { version: 1 }, async (id: string) => {
  await sleep(1000);
  return activity(acts.charge, id);
});
`;

const APP = `import { calls } from "@continuum/core";
import { order } from "./src/order.workflow.ts";

interface Report { stamp: unknown; calls: unknown[] }
const id: string = process.argv[2] ?? "o-1";
await order.run(id);
const report: Report = { stamp: order.stamp, calls };
console.log(JSON.stringify(report));
`;

function runNode(project: TempProject, entry: string, ...args: string[]) {
  return spawnSync(process.execPath, ["--enable-source-maps", "--import", REGISTER, entry, ...args], {
    cwd: project.dir,
    encoding: "utf8",
  });
}

describe("node loader (node --import @continuum/transformer/register)", () => {
  let project: TempProject;
  beforeAll(() => {
    ensureTransformerBuilt();
    project = createTempProject("loader");
    installCoreStub(project);
    project.write("package.json", JSON.stringify({ type: "module" }));
    project.write(
      "src/acts.ts",
      'import { defineActivity } from "@continuum/core";\nexport const charge = defineActivity("charge", async (id: string) => id.length);\n',
    );
    project.write("src/order.workflow.ts", ORDER);
    project.write("app.ts", APP);
    project.write("bad.ts", 'import { order } from "./src/bad.workflow.ts";\nconsole.log(order);\n');
    project.write("src/bad.workflow.ts", ORDER.replace("await sleep(1000);", "await sleep(Date.now());"));
  }, 120_000);
  afterAll(() => project?.remove());

  it("rewrites workflow files; other .ts files still run through Node's type stripping", () => {
    const r = runNode(project, "app.ts", "o-7");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as {
      stamp: { cursors: string[]; file: string; line: number };
      calls: unknown[];
    };
    expect(report.stamp).toMatchObject({
      cursors: ["sleep:#0", "activity:acts.charge#0"],
      file: "src/order.workflow.ts",
      line: 4,
    });
    expect(report.calls).toEqual([
      { kind: "sleep", cursor: "sleep:#0", args: [1000] },
      { kind: "activity", cursor: "activity:acts.charge#0", args: ["charge", "o-7"] },
    ]);
  });

  it("resolves as `--import @continuum/transformer/register` through the package exports", () => {
    mkdirSync(path.join(project.dir, "node_modules/@continuum"), { recursive: true });
    symlinkSync(TRANSFORMER_DIR, path.join(project.dir, "node_modules/@continuum/transformer"), "dir");
    const r = spawnSync(process.execPath, ["--import", "@continuum/transformer/register", "app.ts", "o-8"], {
      cwd: project.dir,
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).calls[1]).toEqual({
      kind: "activity",
      cursor: "activity:acts.charge#0",
      args: ["charge", "o-8"],
    });
  });

  it("maps stack traces of rewritten code to the original lines", () => {
    const r = runNode(project, "app.ts", "boom");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("boom from activity");
    expect(r.stderr).toMatch(/order\.workflow\.ts:6:\d+/);
  });

  it("refuses to load a bad workflow, naming file:line:col and the CTM code", () => {
    const r = runNode(project, "bad.ts");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/bad\.workflow\.ts:5:15 - error CTM1001: Date\.now\(\)/);
    expect(r.stderr).toContain("fix: use `now()`");
  });

  it("resolves extensionless and .js specifiers to .ts like tsc; a missing module is still Node's error", () => {
    project.write(
      "tsc-style.ts",
      'import { order } from "./src/order.workflow";\nimport * as acts from "./src/acts.js";\nconsole.log(order.stamp.cursors.join(","), typeof acts.charge);\n',
    );
    const r = runNode(project, "tsc-style.ts");
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("sleep:#0,activity:acts.charge#0 object");
    project.write("missing.ts", 'import { nope } from "./src/nope";\nconsole.log(nope);\n');
    const missing = runNode(project, "missing.ts");
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain("ERR_MODULE_NOT_FOUND");
  });

  it("takes options from CONTINUUM_TRANSFORMER_OPTIONS", () => {
    project.write(
      "src/plain.ts",
      "export function shout(s: string): string {\n  return s.toUpperCase() + Date.now();\n}\n",
    );
    project.write(
      "plain-app.ts",
      'import { shout } from "./src/plain.ts";\nconsole.log(shout("x").length > 1);\n',
    );
    const plain = runNode(project, "plain-app.ts");
    expect(plain.status).toBe(0);
    const r = spawnSync(process.execPath, ["--import", REGISTER, "plain-app.ts"], {
      cwd: project.dir,
      encoding: "utf8",
      env: {
        ...process.env,
        CONTINUUM_TRANSFORMER_OPTIONS: JSON.stringify({ pureModules: ["src/plain.ts"] }),
      },
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/plain\.ts:2:28 - error CTM1001/);
  });
});
