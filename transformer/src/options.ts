import path from "node:path";
import type ts from "typescript";

/**
 * Options shared by every entry point (ts-patch, vite, node loader, tsserver). The same object
 * goes in a tsconfig `plugins` entry, in `continuum({...})` for vite, or in
 * `CONTINUUM_TRANSFORMER_OPTIONS` for the node loader.
 *
 * @example
 * ```ts
 * continuum({ trustedPackages: ["zod", "date-fns"], pureModules: ["src/shared/**\/*.ts"] });
 * ```
 */
export interface ContinuumTransformerOptions {
  /** Globs (relative to `rootDir`) of files that are workflow code even without an API import. */
  readonly workflowFiles?: readonly string[];
  /** Globs (relative to `rootDir`) of helper modules that are pure (same as a `"use pure"` directive). */
  readonly pureModules?: readonly string[];
  /** Bare package names whose exports workflow code may call (a name covers its subpaths). */
  readonly trustedPackages?: readonly string[];
  /** Globs (relative to `rootDir`) of files never checked or rewritten, whatever they import. */
  readonly exclude?: readonly string[];
  /** Base for globs and for the `file` of stamps and the manifest. */
  readonly rootDir?: string;
  /** Manifest path relative to `rootDir`, or `false` to write none. */
  readonly manifest?: string | false;
  /**
   * tsconfig whose `paths`/`baseUrl` the syntax-only entry points (vite, node loader) use to
   * resolve imports, relative to `rootDir` (default: the nearest `tsconfig.json` at or above it).
   * tspc and the editor use the program's own options.
   */
  readonly tsconfig?: string;
}

/** Options after defaults were applied; `rootDir` is absolute. */
export interface ResolvedOptions {
  readonly workflowFiles: readonly string[];
  readonly pureModules: readonly string[];
  readonly trustedPackages: readonly string[];
  readonly exclude: readonly string[];
  readonly rootDir: string;
  readonly manifest: string | false | undefined;
  /** Absolute tsconfig path from the `tsconfig` option, if given. */
  readonly tsconfig: string | undefined;
  /** The program's compiler options (tspc, editor); `undefined` means "read the tsconfig". */
  readonly compilerOptions: ts.CompilerOptions | undefined;
}

/** Module specifiers of the workflow API (facades and `paths` aliases of them count too: see `ApiModules`). */
export const API_MODULES: ReadonlySet<string> = new Set(["@continuum/core", "@continuum/core/workflow"]);

function stringList(value: unknown): readonly string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/**
 * Applies defaults to options that may come from untyped JSON (a tsconfig plugin entry, an
 * environment variable). `defaultRoot` is the entry point's natural root (tsconfig dir, vite root, cwd).
 */
export function resolveOptions(
  raw: unknown,
  defaultRoot: string,
  compilerOptions?: ts.CompilerOptions,
): ResolvedOptions {
  const o = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const rootDir =
    typeof o["rootDir"] === "string" ? path.resolve(defaultRoot, o["rootDir"]) : path.resolve(defaultRoot);
  const manifest =
    o["manifest"] === false ? false : typeof o["manifest"] === "string" ? o["manifest"] : undefined;
  return {
    workflowFiles: stringList(o["workflowFiles"]),
    pureModules: stringList(o["pureModules"]),
    trustedPackages: stringList(o["trustedPackages"]),
    exclude: stringList(o["exclude"]),
    rootDir,
    manifest,
    tsconfig: typeof o["tsconfig"] === "string" ? path.resolve(rootDir, o["tsconfig"]) : undefined,
    compilerOptions,
  };
}

/** Path of `fileName` relative to `rootDir`, with `/` separators (what stamps and globs use). */
export function relativeFile(options: ResolvedOptions, fileName: string): string {
  const rel = path.relative(options.rootDir, fileName);
  return rel.split(path.sep).join("/");
}
