import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { addContinuumDependencies } from "./edit-package-json.ts";
import { addTransformerPlugins, importExtensionFor, outputDirsOf } from "./edit-tsconfig.ts";
import { parseJsonc } from "./jsonc-edit.ts";
import { detectPackageManager } from "./package-manager.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("tsconfig edits", () => {
  it("appends only the missing plugins to an existing list, keeping the app's plugin and comments", () => {
    const text = `{
\t"compilerOptions": {
\t\t/* keep me */
\t\t"plugins": [
\t\t\t{ "name": "typescript-plugin-css-modules" }, // theirs
\t\t\t{ "transform": "@continuum/transformer/tspc-check", "transformProgram": true, "trustedPackages": ["zod"] },
\t\t],
\t\t"types": ["vitest/globals"],
\t},
}`;
    const { text: out, changes } = addTransformerPlugins(text, "tsconfig.json");
    expect(out).toContain("/* keep me */");
    expect(out).toContain('{ "name": "typescript-plugin-css-modules" }, // theirs');
    const plugins = (
      parseJsonc(out, "t") as {
        compilerOptions: { plugins: { transform?: string; name?: string; trustedPackages?: string[] }[] };
      }
    ).compilerOptions.plugins;
    expect(plugins[1]?.trustedPackages).toEqual(["zod"]); // an entry already there keeps its options
    expect(plugins.map((p) => p.transform ?? p.name)).toEqual([
      "typescript-plugin-css-modules",
      "@continuum/transformer/tspc-check",
      "@continuum/transformer/tspc-rewrite",
      "@continuum/transformer/tsserver",
    ]);
    expect((parseJsonc(out, "t") as { compilerOptions: { types: string[] } }).compilerOptions.types).toEqual([
      "vitest/globals",
      "node",
    ]);
    expect(
      (parseJsonc(out, "t") as { compilerOptions: { noEmitOnError: boolean } }).compilerOptions.noEmitOnError,
    ).toBe(true);
    expect(changes).toHaveLength(4);
    expect(addTransformerPlugins(out, "tsconfig.json").changes).toEqual([]);
  });

  it("keeps a noEmitOnError the app set itself", () => {
    const { text, changes } = addTransformerPlugins('{ "compilerOptions": { "noEmitOnError": false } }', "t");
    expect(
      (parseJsonc(text, "t") as { compilerOptions: { noEmitOnError: boolean } }).compilerOptions
        .noEmitOnError,
    ).toBe(false);
    expect(changes.some((c) => c.includes("noEmitOnError"))).toBe(false);
  });

  it("works on a tsconfig without compilerOptions, and refuses a plugins value that is not a list", () => {
    const { text } = addTransformerPlugins('{ "include": ["src"] }\n', "tsconfig.json");
    expect(
      (parseJsonc(text, "t") as { compilerOptions: { plugins: unknown[] } }).compilerOptions.plugins,
    ).toHaveLength(3);
    expect(() => addTransformerPlugins('{ "compilerOptions": { "plugins": {} } }', "tsconfig.json")).toThrow(
      /plugins is not an array/,
    );
  });

  it("chooses the samples' import extension and finds the output directory", () => {
    const ts =
      '{ "compilerOptions": { "allowImportingTsExtensions": true, "rewriteRelativeImportExtensions": true } }';
    expect(importExtensionFor(ts, "t")).toBe(".ts");
    expect(
      importExtensionFor(
        '{ "compilerOptions": { "allowImportingTsExtensions": true, "noEmit": true } }',
        "t",
      ),
    ).toBe(".js");
    expect(outputDirsOf('{ "compilerOptions": { "outDir": "build" } }')).toEqual({ outDir: "build" });
  });
});

describe("package.json edits", () => {
  it("adds what is missing, keeps versions the team chose, and hints when prepare is taken", () => {
    const text = `${JSON.stringify({ name: "app", devDependencies: { typescript: "6.0.2" }, scripts: { prepare: "husky" } }, null, 2)}\n`;
    const {
      text: out,
      changes,
      hints,
      added,
    } = addContinuumDependencies(text, "package.json", { continuum: "0.3.0" });
    const manifest = JSON.parse(out) as Record<string, Record<string, string>>;
    expect(manifest.dependencies).toEqual({ "@continuum/core": "^0.3.0" });
    expect(manifest.devDependencies?.typescript).toBe("6.0.2");
    expect(manifest.devDependencies?.["@continuum/transformer"]).toBe("^0.3.0");
    expect(manifest.scripts?.prepare).toBe("husky");
    expect(hints.join()).toContain("ts-patch install -s");
    expect(added).toBe(true);
    expect(changes.some((c) => c.includes("typescript"))).toBe(false);
    expect(addContinuumDependencies(out, "package.json", { continuum: "0.3.0" }).changes).toEqual([]);
    expect(hints.join()).toContain('package.json has no "type"'); // the samples are ES modules
  });

  it('hints at "type": "module" for a CommonJS package (npm init -y), and not for a module one', () => {
    const commonjs = addContinuumDependencies('{ "name": "app", "type": "commonjs" }', "package.json", {
      continuum: "0.3.0",
    });
    expect(commonjs.hints.join()).toContain('"type": "commonjs"');
    expect(commonjs.hints.join()).toContain("npm pkg set type=module");
    expect((JSON.parse(commonjs.text) as { type: string }).type).toBe("commonjs"); // a hint: init does not change the module type
    const esm = addContinuumDependencies('{ "name": "app", "type": "module" }', "package.json", {
      continuum: "0.3.0",
    });
    expect(esm.hints.some((hint) => hint.includes('"type"'))).toBe(false);
  });
});

describe("package manager", () => {
  it("follows packageManager, then the lockfile, else npm", () => {
    const dir = mkdtempSync(join(tmpdir(), "ctm-pm-"));
    dirs.push(dir);
    expect(detectPackageManager(dir, undefined)).toBe("npm");
    writeFileSync(join(dir, "yarn.lock"), "");
    expect(detectPackageManager(dir, undefined)).toBe("yarn");
    expect(detectPackageManager(dir, "pnpm@10.0.0")).toBe("pnpm");
  });
});
