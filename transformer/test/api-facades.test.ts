import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveOptions } from "../src/options.ts";
import { buildManifest } from "../src/manifest/manifest.ts";
import { computeIdentities } from "../src/rewrite/compute-identities.ts";
import { apiModulesOf } from "../src/syntax/api-modules.ts";
import { continuum } from "../src/vite/vite-plugin.ts";
import {
  coreShimText,
  createTempProject,
  ensureTransformerBuilt,
  installCoreStub,
  type TempProject,
} from "./support/temp-project.ts";
import { parseFile, TRANSFORMER_DIR, WORKSPACE_DIR } from "./support/test-program.ts";

// A team that re-exports the workflow API from its own modules: a facade file, a renaming
// facade reached through a tsconfig `paths` alias, and a chain of re-exports. tspc (with the
// type checker), the vite plugin and the node loader (syntax and module resolution only) must
// all recognise it and agree on every identity.

const TSPC = path.join(WORKSPACE_DIR, "node_modules/ts-patch/bin/tspc.js");
const REGISTER = path.join(TRANSFORMER_DIR, "dist/loader/register.js");

const FILES: Record<string, string> = {
  "src/continuum.ts": 'export * from "@continuum/core";\n',
  "src/wf-facade.ts":
    'export { activity as act, sleep, workflow, hours } from "@continuum/core/workflow";\nexport type { WorkflowStamp } from "@continuum/core/workflow";\n',
  "src/chain.ts":
    'import { signal } from "./continuum.ts";\nexport { signal as waitFor };\nexport * from "./continuum.ts";\n',
  "src/activities/travel.ts":
    'import { defineActivity } from "@continuum/core";\nexport const book = defineActivity("book", async (id: string) => id.length);\nexport const cancel = defineActivity("cancel", async (id: string) => id.length);\n',
  "src/a.workflow.ts": `import { activity, sleep, workflow } from "./continuum.ts";
import * as trips from "./activities/travel.ts";

export const a = workflow("a", { version: 1 }, async (id: string) => {
  await sleep(1000);
  return activity(trips.book, id);
});
`,
  "src/b.workflow.ts": `import { act, sleep, workflow, hours } from "@app/wf";
import { book as reserve } from "./activities/travel.ts";

export const b = workflow("b", { version: 1 }, async (id: string) => {
  await sleep(hours(1));
  return act(reserve, id);
});
`,
  "src/c.workflow.ts": `import * as wf from "./chain.ts";
import * as travel from "./activities/travel.ts";

export const c = wf.workflow("c", { version: 1 }, async (id: string) => {
  await wf.waitFor<string>("go");
  return wf.activity(travel.book, id);
});
`,
};

const EXPECTED: Record<string, readonly string[]> = {
  "src/a.workflow.ts": ["sleep:#0", "activity:travel.book#0"],
  "src/b.workflow.ts": ["sleep:#0", "activity:book#0"],
  "src/c.workflow.ts": ["signal:go#0", "activity:travel.book#0"],
};

const BAD = `import { sleep, workflow } from "@app/wf";

export const bad = workflow("bad", { version: 1 }, async (id: string) => {
  await sleep(Date.now());
  return id;
});
`;

const UNSTAMPED = `import { workflow } from "./homegrown.ts";

export const lost = workflow("lost", { version: 1 }, async (id: string) => id);
`;

function tsconfig(): string {
  return JSON.stringify({
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
      paths: { "@app/wf": ["./src/wf-facade.ts"] },
      plugins: [
        { transform: path.join(TRANSFORMER_DIR, "dist/tspc/tspc-check.js"), transformProgram: true },
        { transform: path.join(TRANSFORMER_DIR, "dist/tspc/tspc-rewrite.js") },
      ],
    },
    include: ["src"],
  });
}

/** `{ cursors, versionHash }` of each `workflow.stamped({...})` in emitted JavaScript. */
function stampsIn(js: string): { cursors: string[]; versionHash: string }[] {
  return [...js.matchAll(/\.stamped\(\{ format: 1, versionHash: "(\w+)", cursors: \[([^\]]*)\]/g)].map(
    (m) => ({
      versionHash: m[1] as string,
      cursors: [...(m[2] as string).matchAll(/"([^"]*)"/g)].map((c) => c[1] as string),
    }),
  );
}

function tspc(project: TempProject, ...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [TSPC, ...args], { cwd: project.dir, encoding: "utf8" });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("facades and paths aliases of the workflow API", () => {
  let project: TempProject;
  beforeAll(() => {
    ensureTransformerBuilt();
    project = createTempProject("facades");
    installCoreStub(project);
    project.write("package.json", JSON.stringify({ type: "module" }));
    project.write("tsconfig.json", tsconfig());
    project.write("src/core-shim.d.ts", coreShimText());
    for (const [file, text] of Object.entries(FILES)) project.write(file, text);
  }, 120_000);
  afterAll(() => project?.remove());

  it("tspc checks workflow code behind a paths alias: Date.now() through @app/wf is CTM1001", () => {
    project.write("src/bad.workflow.ts", BAD);
    try {
      const r = tspc(project, "-p", ".", "--noEmit");
      expect(r.status).not.toBe(0);
      expect(r.out).toContain("src/bad.workflow.ts(4,15): error TS771001: CTM1001");
      expect(r.out.match(/error TS77/g)).toHaveLength(1);
    } finally {
      rmSync(path.join(project.dir, "src/bad.workflow.ts"));
    }
  });

  it("tspc stamps workflows that import the API from a facade, an alias and a chain; vite agrees", () => {
    const r = tspc(project, "-p", ".");
    expect(r.out).toBe("");
    expect(r.status).toBe(0);
    const vite = continuum();
    vite.configResolved({ root: project.dir, command: "serve" });
    for (const [file, cursors] of Object.entries(EXPECTED)) {
      const emitted = project.read(file.replace(/^src\//, "dist/").replace(/\.ts$/, ".js"));
      const fromTspc = stampsIn(emitted);
      expect(fromTspc.map((s) => s.cursors)).toEqual([cursors]);
      const out = vite.transform(FILES[file] as string, path.join(project.dir, file));
      expect(out, `vite leaves ${file} alone`).not.toBeNull();
      expect(stampsIn(out!.code)).toEqual(fromTspc);
    }
    // effects are stamped with the local callee kept as written
    expect(project.read("dist/b.workflow.js")).toContain('act.at("activity:book#0")(reserve, id)');
    expect(project.read("dist/c.workflow.js")).toContain('wf.waitFor.at("signal:go#0")("go")');
    // facades themselves are not workflow code and are emitted as written
    expect(project.read("dist/continuum.js")).toBe('export * from "@continuum/core";\n');
  });

  it("tspc asks the type checker where syntax cannot tell (an ambient module facade); vite warns instead", () => {
    const ambient = `import { sleep, workflow } from "@app/ambient";

export const d = workflow("d", { version: 1 }, async (id: string) => {
  await sleep(5);
  return id;
});
`;
    const ambientNamespace = `import * as amb from "@app/ambient";

export const e = amb.workflow("e", { version: 1 }, async (id: string) => {
  await amb.sleep(5);
  return id;
});
`;
    project.write(
      "src/ambient.d.ts",
      'declare module "@app/ambient" {\n  export * from "@continuum/core";\n}\n',
    );
    project.write("src/d.workflow.ts", ambient);
    project.write("src/e.workflow.ts", ambientNamespace);
    try {
      const r = tspc(project, "-p", ".");
      expect(r.out).toBe("");
      expect(stampsIn(project.read("dist/d.workflow.js")).map((st) => st.cursors)).toEqual([["sleep:#0"]]);
      expect(project.read("dist/e.workflow.js")).toContain('amb.sleep.at("sleep:#0")(5)');
      const warnings: string[] = [];
      const vite = continuum();
      vite.configResolved({ root: project.dir, command: "serve" });
      const out = vite.transform.call(
        { warn: (m: string) => warnings.push(m) },
        ambient,
        path.join(project.dir, "src/d.workflow.ts"),
      );
      expect(out).toBeNull();
      expect(warnings).toEqual([expect.stringContaining("CTM1520: ")]);
    } finally {
      rmSync(path.join(project.dir, "src/ambient.d.ts"));
      rmSync(path.join(project.dir, "src/d.workflow.ts"));
      rmSync(path.join(project.dir, "src/e.workflow.ts"));
    }
  });

  it("renaming the namespace or the named alias changes no identity; retargeting does", () => {
    const options = resolveOptions({}, project.dir);
    const stampOf = (file: string, text: string) => {
      const ids = computeIdentities(
        parseFile(path.join(project.dir, file), text),
        file,
        apiModulesOf(options),
      );
      const { line: _line, ...stamp } = ids.workflows[0]!.stamp;
      return stamp;
    };
    const a = FILES["src/a.workflow.ts"] as string;
    const b = FILES["src/b.workflow.ts"] as string;
    expect(stampOf("src/a.workflow.ts", a.replaceAll("trips", "voyages"))).toEqual(
      stampOf("src/a.workflow.ts", a),
    );
    expect(stampOf("src/b.workflow.ts", b.replaceAll("reserve", "hold"))).toEqual(
      stampOf("src/b.workflow.ts", b),
    );
    // the whole manifest of both files is byte-identical after the renames
    const manifestOf = (edit: (file: string, text: string) => string) =>
      JSON.stringify(
        buildManifest(
          ["src/a.workflow.ts", "src/b.workflow.ts", "src/c.workflow.ts"].map((file) =>
            computeIdentities(
              parseFile(path.join(project.dir, file), edit(file, FILES[file] as string)),
              file,
              apiModulesOf(options),
            ),
          ),
        ),
      );
    const renamed = manifestOf((_f, text) =>
      text
        .replaceAll("trips", "voyages")
        .replaceAll("reserve", "hold")
        .replace("* as travel ", "* as tr ")
        .replaceAll("travel.book", "tr.book"),
    );
    expect(renamed).not.toContain("voyages");
    expect(renamed).toBe(manifestOf((_f, text) => text));
    // the same activity reached as trips.book or as a named import: target from the module
    const retargeted = stampOf("src/a.workflow.ts", a.replace("trips.book", "trips.cancel"));
    expect(retargeted.cursors).toEqual(["sleep:#0", "activity:travel.cancel#0"]);
    expect(retargeted.versionHash).not.toBe(stampOf("src/a.workflow.ts", a).versionHash);
  });

  it("warns (CTM1520, a warning) when a file defines a workflow nothing can stamp", () => {
    project.write(
      "src/homegrown.ts",
      "export function workflow(name: string, options: object, fn: (id: string) => Promise<string>) {\n  return { name, options, fn };\n}\n",
    );
    project.write("src/lost.workflow.ts", UNSTAMPED);
    try {
      const r = tspc(project, "-p", ".", "--noEmit");
      expect(r.out).toContain(
        "src/lost.workflow.ts(3,21): warning TS771520: CTM1520: this file defines a workflow the transformer cannot stamp",
      );
      expect(r.out).toContain('`workflow` comes from "./homegrown.ts"');
      expect(r.out).not.toMatch(/error TS/);
      // tsc fails a build on any diagnostic, warnings included: the mistake stops CI, not production
      expect(r.status).toBe(2);

      const warnings: string[] = [];
      const vite = continuum();
      vite.configResolved({ root: project.dir, command: "serve" });
      const out = vite.transform.call(
        { warn: (m: string) => warnings.push(m) },
        UNSTAMPED,
        path.join(project.dir, "src/lost.workflow.ts"),
      );
      // a method named workflow on an imported object is not the API: no warning
      const other = vite.transform.call(
        { warn: (m: string) => warnings.push(m) },
        'import { client } from "./client.ts";\nexport const started = client.workflow("order");\n',
        path.join(project.dir, "src/start-order.ts"),
      );
      expect(other).toBeNull();
      expect(out).toBeNull();
      expect(warnings).toEqual([
        expect.stringMatching(/lost\.workflow\.ts:3:21 - warning CTM1520: .*"\.\/homegrown\.ts"/),
      ]);
    } finally {
      rmSync(path.join(project.dir, "src/lost.workflow.ts"));
    }
  });

  it("node --import register resolves like tsc (paths, extensionless, .js) and stamps through facades", () => {
    project.write(
      "main.ts",
      `import { calls } from "@continuum/core";
import { a } from "./src/a.workflow";
import { b } from "./src/b.workflow.js";
import { c } from "./src/c.workflow.ts";
import { book } from "./src/activities";

const report: unknown[] = [];
for (const w of [a, b, c]) {
  await w.run("o-1");
  report.push(w.stamp);
}
console.log(JSON.stringify({ stamps: report, calls, book: book.activityName }));
`,
    );
    project.write("src/activities/index.ts", 'export * from "./travel.ts";\n');
    const r = spawnSync(process.execPath, ["--import", REGISTER, "main.ts"], {
      cwd: project.dir,
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      stamps: { cursors: string[] }[];
      calls: { cursor: string }[];
      book: string;
    };
    expect(out.stamps.map((s) => s.cursors)).toEqual(Object.values(EXPECTED));
    expect(out.calls.map((call) => call.cursor)).toEqual(Object.values(EXPECTED).flat());
    expect(out.book).toBe("book");
  });
});
