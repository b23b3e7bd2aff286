import path from "node:path";

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
}

/** Options after defaults were applied; `rootDir` is absolute. */
export interface ResolvedOptions {
  readonly workflowFiles: readonly string[];
  readonly pureModules: readonly string[];
  readonly trustedPackages: readonly string[];
  readonly exclude: readonly string[];
  readonly rootDir: string;
  readonly manifest: string | false | undefined;
}

/** Module specifiers of the workflow API. */
export const API_MODULES: ReadonlySet<string> = new Set(["@continuum/core", "@continuum/core/workflow"]);

function stringList(value: unknown): readonly string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/**
 * Applies defaults to options that may come from untyped JSON (a tsconfig plugin entry, an
 * environment variable). `defaultRoot` is the entry point's natural root (tsconfig dir, vite root, cwd).
 */
export function resolveOptions(raw: unknown, defaultRoot: string): ResolvedOptions {
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
  };
}

/** Path of `fileName` relative to `rootDir`, with `/` separators (what stamps and globs use). */
export function relativeFile(options: ResolvedOptions, fileName: string): string {
  const rel = path.relative(options.rootDir, fileName);
  return rel.split(path.sep).join("/");
}
