import { existsSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const SOURCE_FILE = /\.(?:[cm]?ts|tsx)$/;
const candidateSuffixes = ["", ".ts", ".tsx", ".mts", ".cts", "/index.ts", "/index.tsx", "/index.mts"];

/**
 * Resolves a relative specifier to a TypeScript source file on disk, the way tsc does for a
 * project with `allowImportingTsExtensions`: `./a.ts`, `./a` (`.ts`, `.tsx`, `.mts`, `/index.ts`)
 * and `./a.js` (the `.ts` source it is compiled from).
 */
export function resolveRelativeSource(specifier: string, fromFile: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const stems = [base];
  const js = /\.([cm]?)js$/.exec(base);
  if (js) stems.unshift(base.slice(0, -js[0].length) + `.${js[1]}ts`, base.slice(0, -js[0].length) + ".tsx");
  for (const stem of stems) {
    for (const suffix of candidateSuffixes) {
      const candidate = stem + suffix;
      if (SOURCE_FILE.test(candidate) && !/\.d\.[cm]?ts$/.test(candidate) && existsSync(candidate))
        return candidate;
    }
  }
  return undefined;
}

/** Resolves module specifiers to files, as the compiler would for the project's tsconfig. */
export interface ModuleResolver {
  /** The compiler options resolution uses (`paths`, `baseUrl`, `moduleResolution`). */
  readonly compilerOptions: ts.CompilerOptions;
  /** The resolved file (a `.ts` source or a `.d.ts`), or `undefined` when nothing matches. */
  resolve(specifier: string, fromFile: string): ResolvedModuleFile | undefined;
}

/** Where a specifier led. */
export interface ResolvedModuleFile {
  readonly fileName: string;
  /** True for a file of an installed package (under node_modules). */
  readonly external: boolean;
}

/**
 * Reads the compiler options of `tsconfig` (absolute), or of the nearest `tsconfig.json` at or
 * above `rootDir`; `{}` when there is none or it cannot be parsed.
 */
export function loadCompilerOptions(rootDir: string, tsconfig?: string): ts.CompilerOptions {
  const configFile = tsconfig ?? ts.findConfigFile(rootDir, ts.sys.fileExists, "tsconfig.json");
  if (!configFile || !ts.sys.fileExists(configFile)) return {};
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configFile,
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  return parsed?.options ?? {};
}

/**
 * Creates a resolver over `compilerOptions` with its own resolution cache. The syntax-only
 * entry points (vite, node loader) pass the options of the project's tsconfig so `paths` and
 * `baseUrl` aliases resolve as in tspc; a relative specifier the compiler cannot place (no
 * tsconfig, `.ts` extensions without `allowImportingTsExtensions`) falls back to the file system.
 *
 * @example
 * ```ts
 * createModuleResolver(loadCompilerOptions("/app")).resolve("@app/wf", "/app/src/order.workflow.ts");
 * // { fileName: "/app/src/wf-facade.ts", external: false }
 * ```
 */
export function createModuleResolver(compilerOptions: ts.CompilerOptions): ModuleResolver {
  const options: ts.CompilerOptions = {
    ...compilerOptions,
    moduleResolution: compilerOptions.moduleResolution ?? ts.ModuleResolutionKind.Bundler,
    module: compilerOptions.module ?? ts.ModuleKind.ESNext,
    allowImportingTsExtensions: true,
    noEmit: true,
  };
  const cache = ts.createModuleResolutionCache(process.cwd(), (f) => f, options);
  const known = new Map<string, ResolvedModuleFile | undefined>();
  return {
    compilerOptions: options,
    resolve(specifier, fromFile) {
      const key = `${path.dirname(fromFile)}\0${specifier}`;
      if (known.has(key)) return known.get(key);
      let result: ResolvedModuleFile | undefined;
      try {
        const resolved = ts.resolveModuleName(specifier, fromFile, options, ts.sys, cache).resolvedModule;
        if (resolved)
          result = {
            fileName: path.resolve(resolved.resolvedFileName),
            external:
              resolved.isExternalLibraryImport === true ||
              resolved.resolvedFileName.includes("/node_modules/"),
          };
      } catch {
        result = undefined;
      }
      if (!result && (specifier.startsWith(".") || path.isAbsolute(specifier))) {
        const file = resolveRelativeSource(specifier, fromFile);
        if (file) result = { fileName: file, external: false };
      }
      // a missing relative file may appear later (vite dev server): only remember hits for those
      if (result || !specifier.startsWith(".")) known.set(key, result);
      return result;
    },
  };
}

/** True when `specifier` matches a key of a tsconfig `paths` map (`@app/*`, `@app/wf`). */
export function matchesPathsPattern(specifier: string, paths: ts.MapLike<readonly string[]>): boolean {
  return Object.keys(paths).some((key) => {
    const star = key.indexOf("*");
    if (star < 0) return key === specifier;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    return (
      specifier.length >= prefix.length + suffix.length &&
      specifier.startsWith(prefix) &&
      specifier.endsWith(suffix)
    );
  });
}
