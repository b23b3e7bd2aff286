import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { checkSourceFile, createCheckSession } from "../../src/checker/check-source-file.ts";
import { resolveOptions, type ResolvedOptions } from "../../src/options.ts";
import { createRewriteTransformer } from "../../src/rewrite/rewrite-transformer.ts";

/** Root of the fixture folders. */
export const FIXTURES_DIR = fileURLToPath(new URL("../fixtures", import.meta.url));

/** One expected diagnostic in a fixture's diagnostics.json. */
export interface ExpectedDiagnostic {
  readonly code: string;
  readonly line: number;
  readonly column: number;
  /** Only reported with a type checker (tspc, editor), not by vite or the node loader. */
  readonly checkerOnly?: boolean;
}

/** A fixture folder: input.ts, output.ts, diagnostics.json, optional options.json and support files. */
export interface FixtureCase {
  readonly name: string;
  readonly dir: string;
  readonly input: string;
  readonly options: ResolvedOptions;
}

/** Every fixture folder, sorted by name. */
export function fixtureCases(): FixtureCase[] {
  return readdirSync(FIXTURES_DIR)
    .filter((name) => existsSync(path.join(FIXTURES_DIR, name, "input.ts")))
    .sort()
    .map((name) => {
      const dir = path.join(FIXTURES_DIR, name);
      const optionsFile = path.join(dir, "options.json");
      const raw: unknown = existsSync(optionsFile) ? JSON.parse(readFileSync(optionsFile, "utf8")) : {};
      return { name, dir, input: path.join(dir, "input.ts"), options: resolveOptions(raw, dir) };
    });
}

/** Rewrites `sf` and prints it as TypeScript (types kept), the format of output.ts. */
export function printRewritten(sf: ts.SourceFile, options: ResolvedOptions): string {
  const result = ts.transform(sf, [createRewriteTransformer({ options })]);
  const printed = ts
    .createPrinter({ newLine: ts.NewLineKind.LineFeed })
    .printFile(result.transformed[0] as ts.SourceFile);
  result.dispose();
  return printed;
}

/** Diagnostics of one file as `{code,line,column}` (what diagnostics.json records). */
export function diagnosticsOf(
  sf: ts.SourceFile,
  options: ResolvedOptions,
  program?: ts.Program,
): { code: string; line: number; column: number }[] {
  return checkSourceFile(sf, createCheckSession(options, program)).map((d) => ({
    code: d.code,
    line: d.line,
    column: d.column,
  }));
}
