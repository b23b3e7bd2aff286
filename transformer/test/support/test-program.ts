import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** Absolute path of the @continuum/core API shim used by checker-mode tests. */
export const CORE_SHIM = fileURLToPath(new URL("./core-shim.d.ts", import.meta.url));
/** The transformer package directory. */
export const TRANSFORMER_DIR = path.resolve(path.dirname(CORE_SHIM), "../..");
/** The workspace root. */
export const WORKSPACE_DIR = path.resolve(TRANSFORMER_DIR, "..");

/** Compiler options of the in-memory test programs (Node + DOM globals, like a real user project may have). */
export const TEST_COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2023,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ["lib.es2023.d.ts", "lib.dom.d.ts"],
  types: ["node"],
  typeRoots: [path.join(WORKSPACE_DIR, "node_modules/@types")],
  strict: true,
  noEmit: true,
  allowImportingTsExtensions: true,
  skipLibCheck: true,
};

const libCache = new Map<string, ts.SourceFile>();

/**
 * Creates a Program over `rootNames` (on disk) with `overrides` (in-memory texts keyed by
 * absolute path). Library files are parsed once per test worker.
 */
export function createTestProgram(
  rootNames: readonly string[],
  overrides: ReadonlyMap<string, string> = new Map(),
): ts.Program {
  const host = ts.createCompilerHost(TEST_COMPILER_OPTIONS, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const text = overrides.get(fileName);
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
    const isLib = fileName.includes("/node_modules/");
    const cached = isLib ? libCache.get(fileName) : undefined;
    if (cached) return cached;
    const sf = getSourceFile(fileName, languageVersion, onError, shouldCreate);
    if (sf && isLib) libCache.set(fileName, sf);
    return sf;
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (f) => overrides.has(f) || fileExists(f);
  const readFile = host.readFile.bind(host);
  host.readFile = (f) => overrides.get(f) ?? readFile(f);
  return ts.createProgram({
    rootNames: [CORE_SHIM, ...rootNames, ...overrides.keys()],
    options: TEST_COMPILER_OPTIONS,
    host,
  });
}

/** All `.ts` files under `dir`, recursively, sorted. */
export function tsFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...tsFilesUnder(full));
    else if (entry.endsWith(".ts") && !entry.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

/** Parses a file from disk with parent pointers (the syntax-only path). */
export function parseFile(fileName: string, text: string = readFileSync(fileName, "utf8")): ts.SourceFile {
  return ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
}
