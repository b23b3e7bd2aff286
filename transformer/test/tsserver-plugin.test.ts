import { cpSync, mkdirSync, realpathSync, symlinkSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  coreShimText,
  createTempProject,
  ensureTransformerBuilt,
  type TempProject,
} from "./support/temp-project.ts";
import { TRANSFORMER_DIR, WORKSPACE_DIR } from "./support/test-program.ts";
import { startTsServer, type TsServerClient } from "./support/tsserver-client.ts";

interface ProtocolDiagnostic {
  start: { line: number; offset: number };
  text: string;
  code: number;
  source?: string;
}

describe("tsserver language-service plugin", () => {
  let project: TempProject;
  let server: TsServerClient;
  let workflowFile: string;
  let facadeFile: string;

  beforeAll(() => {
    ensureTransformerBuilt();
    project = createTempProject("tsserver");
    // the plugin resolves like a devDependency installed next to TypeScript (a probe location here)
    mkdirSync(path.join(project.dir, "probe/node_modules/@continuum"), { recursive: true });
    symlinkSync(TRANSFORMER_DIR, path.join(project.dir, "probe/node_modules/@continuum/transformer"), "dir");
    project.write(
      "tsconfig.json",
      JSON.stringify({
        compilerOptions: {
          target: "ES2023",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          types: [],
          lib: ["ES2023"],
          noEmit: true,
          allowImportingTsExtensions: true,
          paths: { "@app/wf": ["./src/wf.ts"] },
          plugins: [{ name: "@continuum/transformer/tsserver" }],
        },
        include: ["src"],
      }),
    );
    project.write("src/core-shim.d.ts", coreShimText());
    workflowFile = project.write(
      "src/order.workflow.ts",
      'import { sleep, workflow } from "@continuum/core";\n\nexport const order = workflow("order", { version: 1 }, async () => {\n  await sleep(Math.random() * 1000);\n  return 1;\n});\n',
    );
    project.write(
      "src/wf.ts",
      'export { activity as act, sleep, workflow } from "@continuum/core/workflow";\n',
    );
    facadeFile = project.write(
      "src/via-facade.workflow.ts",
      'import { sleep, workflow } from "@app/wf";\n\nexport const viaFacade = workflow("f", { version: 1 }, async () => {\n  await sleep(Date.now());\n  return 1;\n});\n',
    );
    server = startTsServer(
      path.join(WORKSPACE_DIR, "node_modules/typescript/lib/tsserver.js"),
      [
        "--pluginProbeLocations",
        path.join(project.dir, "probe"),
        "--disableAutomaticTypingAcquisition",
        "--suppressDiagnosticEvents",
      ],
      project.dir,
    );
  }, 120_000);
  afterAll(() => {
    server?.close();
    project?.remove();
  });

  it("reports the Continuum error in semanticDiagnosticsSync, at the right position", async () => {
    const opened = await server.request("open", { file: workflowFile, projectRootPath: project.dir });
    expect(opened.success).toBe(true);
    const response = await server.request("semanticDiagnosticsSync", { file: workflowFile });
    expect(response.success).toBe(true);
    const diagnostics = response.body as ProtocolDiagnostic[];
    const ours = diagnostics.filter((d) => d.code === 771101);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.start).toEqual({ line: 4, offset: 15 });
    expect(ours[0]!.text).toContain("CTM1101: Math.random() differs on replay");
    // the file is otherwise valid: nothing else is reported
    expect(diagnostics.filter((d) => d.code !== 771101)).toEqual([]);
  }, 60_000);

  it("checks a workflow that imports the API through a paths alias of a facade", async () => {
    await server.request("open", { file: facadeFile, projectRootPath: project.dir });
    const response = await server.request("semanticDiagnosticsSync", { file: facadeFile });
    const diagnostics = response.body as ProtocolDiagnostic[];
    expect(diagnostics.map((d) => [d.code, d.start.line, d.start.offset])).toEqual([[771001, 4, 15]]);
  }, 60_000);

  it("updates as the user types the fix", async () => {
    await server.request("change", {
      file: workflowFile,
      line: 4,
      offset: 15,
      endLine: 4,
      endOffset: 28,
      insertString: "1",
    });
    const response = await server.request("semanticDiagnosticsSync", { file: workflowFile });
    expect(response.body).toEqual([]);
  }, 60_000);
});

describe("tsserver plugin resolution in a pnpm workspace (no probe locations)", () => {
  let project: TempProject;
  beforeAll(() => {
    ensureTransformerBuilt();
    project = createTempProject("tsserver-pnpm");
    // the layout `pnpm install` makes for a root devDependency: node_modules/typescript links into
    // .pnpm, and node_modules/@continuum/transformer links to the workspace package
    const realTs = realpathSync(path.join(WORKSPACE_DIR, "node_modules/typescript"));
    const storeTs = path.join(project.dir, "node_modules/.pnpm/typescript@6.0.3/node_modules/typescript");
    mkdirSync(path.dirname(storeTs), { recursive: true });
    cpSync(realTs, storeTs, { recursive: true });
    symlinkSync(
      ".pnpm/typescript@6.0.3/node_modules/typescript",
      path.join(project.dir, "node_modules/typescript"),
      "dir",
    );
    mkdirSync(path.join(project.dir, "node_modules/@continuum"), { recursive: true });
    symlinkSync(TRANSFORMER_DIR, path.join(project.dir, "node_modules/@continuum/transformer"), "dir");
  }, 120_000);
  afterAll(() => project?.remove());

  it("loads @continuum/transformer/tsserver from the root node_modules", async () => {
    project.write(
      "app/tsconfig.json",
      JSON.stringify({
        compilerOptions: {
          target: "ES2023",
          module: "NodeNext",
          strict: true,
          types: [],
          lib: ["ES2023"],
          noEmit: true,
          plugins: [{ name: "@continuum/transformer/tsserver" }],
        },
        include: ["src"],
      }),
    );
    project.write("app/src/core-shim.d.ts", coreShimText());
    const file = project.write(
      "app/src/a.ts",
      'import { workflow } from "@continuum/core";\nexport const w = workflow("w", {}, async () => Date.now());\n',
    );
    const server = startTsServer(
      path.join(project.dir, "node_modules/typescript/lib/tsserver.js"),
      ["--disableAutomaticTypingAcquisition", "--suppressDiagnosticEvents"],
      path.join(project.dir, "app"),
    );
    try {
      await server.request("open", { file });
      const response = await server.request("semanticDiagnosticsSync", { file });
      expect(
        (response.body as ProtocolDiagnostic[]).map((d) => [d.code, d.start.line, d.start.offset]),
      ).toEqual([[771001, 2, 48]]);
    } finally {
      server.close();
    }
  }, 60_000);
});
