import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  coreShimText,
  createTempProject,
  ensureTransformerBuilt,
  type TempProject,
} from "./support/temp-project.ts";
import { TRANSFORMER_DIR, WORKSPACE_DIR } from "./support/test-program.ts";

const TSPC = path.join(WORKSPACE_DIR, "node_modules/ts-patch/bin/tspc.js");

const GOOD = `import { activity, sleep, workflow } from "@continuum/core";
import * as acts from "./acts.ts";

export const order = workflow("order", { version: 1 }, async (id: string) => {
  const started = id.length;
  await sleep(1000);
  return (await activity(acts.charge, id)) + started;
});
`;
const BAD = GOOD.replace("const started = id.length;", "const started = Date.now();");

function tsconfig(extra: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      compilerOptions: {
        target: "ES2023",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        types: [],
        lib: ["ES2023"],
        skipLibCheck: true,
        outDir: "dist",
        rootDir: "src",
        allowImportingTsExtensions: true,
        rewriteRelativeImportExtensions: true,
        ...extra,
        plugins: [
          { transform: path.join(TRANSFORMER_DIR, "dist/tspc/tspc-check.js"), transformProgram: true },
          { transform: path.join(TRANSFORMER_DIR, "dist/tspc/tspc-rewrite.js") },
        ],
      },
      include: ["src"],
    },
    null,
    2,
  );
}

function tspc(project: TempProject, ...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [TSPC, ...args], { cwd: project.dir, encoding: "utf8" });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function setUp(project: TempProject, workflowText: string, extra?: Record<string, unknown>): void {
  project.write("tsconfig.json", tsconfig(extra));
  project.write("package.json", JSON.stringify({ type: "module" }));
  project.write("src/core-shim.d.ts", coreShimText());
  project.write(
    "src/acts.ts",
    'import { defineActivity } from "@continuum/core";\nexport const charge = defineActivity("charge", async (id: string) => id.length);\n',
  );
  project.write("src/order.workflow.ts", workflowText);
}

const EXPECTED_ERROR =
  "src/order.workflow.ts(5,19): error TS771001: CTM1001: Date.now() reads the wall clock";

describe("tspc end to end (ts-patch program + source transformer)", () => {
  const projects: TempProject[] = [];
  const project = (name: string): TempProject => {
    const p = createTempProject(`tspc-${name}`);
    projects.push(p);
    return p;
  };
  beforeAll(() => ensureTransformerBuilt(), 120_000);
  afterAll(() => projects.forEach((p) => p.remove()));

  it("--noEmit fails with file(line,col), the CTM code and the fix", () => {
    const p = project("noemit");
    setUp(p, BAD);
    const r = tspc(p, "-p", ".", "--noEmit");
    expect(r.status).not.toBe(0);
    expect(r.out).toContain(EXPECTED_ERROR);
    expect(r.out).toContain("Fix: use `now()` from @continuum/core");
    expect(r.out.match(/TS771001/g)).toHaveLength(1);
  });

  it("--noEmitOnError blocks emit; a clean workflow emits rewritten JS and the manifest", () => {
    const p = project("emit");
    setUp(p, BAD);
    const bad = tspc(p, "-p", ".", "--noEmitOnError");
    expect(bad.status).not.toBe(0);
    expect(existsSync(path.join(p.dir, "dist/order.workflow.js"))).toBe(false);

    p.write("src/order.workflow.ts", GOOD);
    const good = tspc(p, "-p", ".", "--noEmitOnError");
    expect(good.out).toBe("");
    expect(good.status).toBe(0);
    const js = p.read("dist/order.workflow.js");
    expect(js).toContain('workflow.stamped({ format: 1, versionHash: "');
    expect(js).toContain(
      'cursors: ["sleep:#0", "activity:acts.charge#0"], file: "src/order.workflow.ts", line: 4 })("order"',
    );
    expect(js).toContain('await sleep.at("sleep:#0")(1000)');
    expect(js).toContain('activity.at("activity:acts.charge#0")(acts.charge, id)');
    const manifest = JSON.parse(p.read("dist/continuum-manifest.json"));
    expect(manifest.workflows[0]).toMatchObject({
      name: "order",
      version: 1,
      file: "src/order.workflow.ts",
      line: 4,
    });
    expect(manifest.workflows[0].cursors.map((c: { at: string }) => c.at)).toEqual([
      "src/order.workflow.ts:6:9",
      "src/order.workflow.ts:7:17",
    ]);
    // activity modules are not workflow code: emitted untouched
    expect(p.read("dist/acts.js")).not.toContain(".at(");
    // the manifest bin computes the same manifest without compiling
    const bin = spawnSync(
      process.execPath,
      [
        path.join(TRANSFORMER_DIR, "dist/bin/continuum-manifest.js"),
        "-p",
        "tsconfig.json",
        "--out",
        "from-bin.json",
      ],
      { cwd: p.dir, encoding: "utf8" },
    );
    expect(bin.status).toBe(0);
    expect(JSON.parse(p.read("from-bin.json"))).toEqual(manifest);
  });

  it("tspc -b reports the error and (with noEmitOnError) emits nothing, then builds once fixed", () => {
    const p = project("build");
    setUp(p, BAD, { noEmitOnError: true });
    const bad = tspc(p, "-b", ".");
    expect(bad.status).not.toBe(0);
    expect(bad.out).toContain(EXPECTED_ERROR);
    expect(existsSync(path.join(p.dir, "dist/order.workflow.js"))).toBe(false);
    const again = tspc(p, "-b", ".");
    expect(again.status).not.toBe(0);
    expect(again.out).toContain(EXPECTED_ERROR);
    p.write("src/order.workflow.ts", GOOD);
    const good = tspc(p, "-b", ".");
    expect(good.status).toBe(0);
    expect(p.read("dist/order.workflow.js")).toContain('sleep.at("sleep:#0")');
  });

  it("--incremental keeps reporting the error from the build info on an unchanged rebuild", () => {
    const p = project("incremental");
    setUp(p, BAD);
    const first = tspc(p, "-p", ".", "--incremental", "--noEmitOnError");
    expect(first.status).not.toBe(0);
    expect(existsSync(path.join(p.dir, "tsconfig.tsbuildinfo"))).toBe(true);
    const second = tspc(p, "-p", ".", "--incremental", "--noEmitOnError");
    expect(second.status).not.toBe(0);
    expect(second.out).toContain(EXPECTED_ERROR);
    expect(second.out.match(/TS771001/g)).toHaveLength(1);
    expect(existsSync(path.join(p.dir, "dist/order.workflow.js"))).toBe(false);
  });
});
