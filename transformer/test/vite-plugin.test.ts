import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type ViteDevServer } from "vite";
import { continuum } from "../src/vite/vite-plugin.ts";
import { originalLinesByGeneratedLine } from "./support/source-map-lines.ts";
import { createTempProject, installCoreStub, type TempProject } from "./support/temp-project.ts";

const ORDER = `import { activity, sleep, workflow } from "@continuum/core";
import * as acts from "./acts.ts";
import { label } from "./label.ts";

export const order = workflow("order", { version: 1 }, async (id: string) => {
  await sleep(1000);
  const n = await activity(acts.charge, id, label(id));
  return n;
});
`;

describe("vite/vitest plugin", () => {
  let project: TempProject;
  let server: ViteDevServer;

  beforeAll(async () => {
    project = createTempProject("vite");
    installCoreStub(project);
    project.write("package.json", JSON.stringify({ type: "module" }));
    project.write(
      "src/acts.ts",
      'import { defineActivity } from "@continuum/core";\nexport const charge = defineActivity("charge", async (id: string, tag: string) => id + tag);\n',
    );
    project.write(
      "src/label.ts",
      '"use pure";\nexport function label(id: string): string {\n  return `#${id}`;\n}\n',
    );
    project.write("src/order.workflow.ts", ORDER);
    project.write("src/probe.ts", 'export { calls } from "@continuum/core";\n');
    project.write(
      "src/bad.workflow.ts",
      ORDER.replace("await sleep(1000);", "await sleep(1000);\n  const t = Date.now();"),
    );
    server = await createServer({
      root: project.dir,
      configFile: false,
      logLevel: "silent",
      appType: "custom",
      server: { middlewareMode: true, hmr: false, watch: null },
      optimizeDeps: { noDiscovery: true, include: [] },
      plugins: [continuum()],
    });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    project?.remove();
  });

  it("rewrites workflow modules so effects run with their cursors", async () => {
    const mod = (await server.ssrLoadModule("/src/order.workflow.ts")) as {
      order: {
        name: string;
        stamp: { cursors: string[]; file: string; line: number };
        run(id: string): Promise<number>;
      };
    };
    const core = (await server.ssrLoadModule("/src/probe.ts")) as {
      calls: { kind: string; cursor: string; args: unknown[] }[];
    };
    expect(mod.order.name).toBe("order");
    expect(mod.order.stamp).toMatchObject({
      cursors: ["sleep:#0", "activity:acts.charge#0"],
      file: "src/order.workflow.ts",
      line: 5,
    });
    await mod.order.run("o-1");
    expect(core.calls).toEqual([
      { kind: "sleep", cursor: "sleep:#0", args: [1000] },
      { kind: "activity", cursor: "activity:acts.charge#0", args: ["charge", "o-1", "#o-1"] },
    ]);
  });

  it("fails the import of a bad workflow with file:line:col and the CTM code", async () => {
    const error = (await server.ssrLoadModule("/src/bad.workflow.ts").then(
      () => undefined,
      (e: unknown) => e,
    )) as {
      message: string;
      code?: string;
      data?: { diagnostics: { code: string; line: number; column: number }[] };
    };
    expect(error.message).toMatch(/bad\.workflow\.ts:7:13 - error CTM1001: Date\.now\(\)/);
    expect(error.code).toBe("CTM_DETERMINISM");
    expect(error.data?.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([["CTM1001", 7, 13]]);
  });

  it("returns a source map that points at the original file", () => {
    const plugin = continuum({ rootDir: project.dir });
    const out = plugin.transform(ORDER, `${project.dir}/src/order.workflow.ts`);
    expect(out).not.toBeNull();
    const map = JSON.parse(out!.map!) as { sources: string[]; mappings: string; sourcesContent: string[] };
    expect(map.sources.join()).toContain("order.workflow.ts");
    expect(map.sourcesContent[0]).toBe(ORDER);
    expect(map.mappings.length).toBeGreaterThan(20);
    // the generated line with `sleep.at(...)` maps back to the line where the user wrote `await sleep(1000)`
    const generated = out!.code.split("\n").findIndex((l) => l.includes('sleep.at("sleep:#0")'));
    const original = ORDER.split("\n").findIndex((l) => l.includes("await sleep(1000)"));
    expect(originalLinesByGeneratedLine(map.mappings)[generated]).toContain(original);
  });

  it("writes the manifest at the end of a vite build (and not while serving)", () => {
    const build = continuum({ manifest: "out/manifest.json" });
    build.configResolved({ root: project.dir, command: "build" });
    build.transform(ORDER, `${project.dir}/src/order.workflow.ts`);
    build.buildEnd();
    const manifest = JSON.parse(project.read("out/manifest.json"));
    expect(manifest.workflows).toEqual([
      expect.objectContaining({
        name: "order",
        version: 1,
        file: "src/order.workflow.ts",
        line: 5,
        cursors: [
          { cursor: "sleep:#0", kind: "sleep", target: "", at: "src/order.workflow.ts:6:9" },
          {
            cursor: "activity:acts.charge#0",
            kind: "activity",
            target: "acts.charge",
            at: "src/order.workflow.ts:7:19",
          },
        ],
      }),
    ]);
    const serve = continuum({ manifest: "out/serve-manifest.json" });
    serve.configResolved({ root: project.dir, command: "serve" });
    serve.transform(ORDER, `${project.dir}/src/order.workflow.ts`);
    serve.buildEnd();
    expect(() => project.read("out/serve-manifest.json")).toThrow();
  });

  it("leaves files that are not workflow or pure code to vite", () => {
    const plugin = continuum({ rootDir: project.dir });
    expect(
      plugin.transform("export const x: number = Date.now();\n", `${project.dir}/src/app.ts`),
    ).toBeNull();
    expect(plugin.transform("export {}", `${project.dir}/node_modules/x/index.ts`)).toBeNull();
  });
});
