import { parseJsonc, setJsonc } from "./jsonc-edit.ts";

/** The three ts-patch / tsserver plugin entries guides/determinism.md describes. */
export const transformerPlugins = [
  // errors: a program transformer, so `tspc --noEmit` fails and emit is blocked on a bad workflow
  { transform: "@continuum/transformer/tspc-check", transformProgram: true },
  // the rewrite: stamps each effect call with its identity
  { transform: "@continuum/transformer/tspc-rewrite" },
  // the same errors as editor squiggles
  { name: "@continuum/transformer/tsserver" },
] as const;

/** A change init made (or would make), as a line for the user. */
export type Change = string;

interface CompilerOptionsView {
  outDir?: unknown;
  rootDir?: unknown;
  plugins?: unknown;
  types?: unknown;
  allowImportingTsExtensions?: unknown;
  rewriteRelativeImportExtensions?: unknown;
  noEmitOnError?: unknown;
}

const pluginKey = (entry: unknown): string | undefined => {
  if (entry === null || typeof entry !== "object") return undefined;
  const { transform, name } = entry as { transform?: unknown; name?: unknown };
  return typeof transform === "string" ? transform : typeof name === "string" ? name : undefined;
};

/**
 * Adds the transformer's plugin entries that are missing from `compilerOptions.plugins`,
 * `"node"` to `compilerOptions.types` (TypeScript 6 loads no `@types` unless listed; the sample
 * worker uses `process`), and `noEmitOnError: true` when the app has not set it (tsc emits a
 * file with errors otherwise, so a workflow failing its determinism check would still be
 * written to the output and could be run). Entries already present, with whatever options, are
 * left alone. Edits keep comments and formatting (tsconfig.json is JSONC).
 */
export function addTransformerPlugins(text: string, file: string): { text: string; changes: Change[] } {
  const config = parseJsonc(text, file);
  if (config === null || typeof config !== "object" || Array.isArray(config))
    throw new Error(`${file} does not hold a JSON object`);
  const options = ((config as { compilerOptions?: unknown }).compilerOptions ?? {}) as CompilerOptionsView;
  const changes: Change[] = [];
  let out = text;
  const plugins = Array.isArray(options.plugins) ? options.plugins : undefined;
  if (options.plugins !== undefined && plugins === undefined)
    throw new Error(`${file}: compilerOptions.plugins is not an array`);
  const present = new Set((plugins ?? []).map(pluginKey));
  const missing = transformerPlugins.filter((entry) => !present.has(pluginKey(entry)));
  if (plugins === undefined && missing.length > 0) {
    out = setJsonc(out, ["compilerOptions", "plugins"], missing);
  } else {
    for (const entry of missing) out = setJsonc(out, ["compilerOptions", "plugins", -1], entry);
  }
  for (const entry of missing) changes.push(`${file}: added plugin ${pluginKey(entry)}`);
  if (Array.isArray(options.types)) {
    if (!options.types.includes("node")) {
      out = setJsonc(out, ["compilerOptions", "types", -1], "node");
      changes.push(`${file}: added "node" to compilerOptions.types`);
    }
  } else if (options.types === undefined) {
    out = setJsonc(out, ["compilerOptions", "types"], ["node"]);
    changes.push(`${file}: set compilerOptions.types to ["node"]`);
  }
  if (options.noEmitOnError === undefined) {
    out = setJsonc(out, ["compilerOptions", "noEmitOnError"], true);
    changes.push(`${file}: set compilerOptions.noEmitOnError (a workflow with a CTM error is not emitted)`);
  }
  return { text: out, changes };
}

/**
 * The extension the samples' relative imports use: `.ts` where the tsconfig lets source import
 * `.ts` (and rewrites it on emit), else `.js`, which NodeNext and bundler resolution map to the
 * `.ts` file.
 */
export function importExtensionFor(text: string, file: string): ".ts" | ".js" {
  const options = ((parseJsonc(text, file) as { compilerOptions?: unknown }).compilerOptions ??
    {}) as CompilerOptionsView;
  return options.allowImportingTsExtensions === true && options.rewriteRelativeImportExtensions === true
    ? ".ts"
    : ".js";
}

/** The tsconfig's own `outDir` and `rootDir` (not those of a config it extends). */
export function outputDirsOf(text: string): { outDir?: string; rootDir?: string } {
  const options = ((parseJsonc(text, "tsconfig.json") as { compilerOptions?: unknown }).compilerOptions ??
    {}) as CompilerOptionsView;
  return {
    ...(typeof options.outDir === "string" ? { outDir: options.outDir } : {}),
    ...(typeof options.rootDir === "string" ? { rootDir: options.rootDir } : {}),
  };
}
