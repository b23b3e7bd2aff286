import { fileURLToPath, pathToFileURL } from "node:url";
import { createCheckSession, type CheckSession } from "../checker/check-source-file.ts";
import { formatDiagnostic } from "../checker/continuum-diagnostic.ts";
import { isTransformableFileName } from "../classify/file-kind.ts";
import { resolveOptions, type ResolvedOptions } from "../options.ts";
import { transformModule } from "../rewrite/transform-module.ts";
import { apiModulesOf } from "../syntax/api-modules.ts";
import { matchesPathsPattern } from "../syntax/module-resolution.ts";

/** Data passed from `register()` to the hooks thread. */
export interface LoaderData {
  readonly options?: unknown;
  readonly cwd: string;
}

interface LoadContext {
  readonly format?: string | null;
  readonly conditions?: readonly string[];
}
interface LoadResult {
  format?: string | null;
  source?: string | ArrayBuffer | Uint8Array | null;
  shortCircuit?: boolean;
}
type NextLoad = (url: string, context?: LoadContext) => Promise<LoadResult>;

interface ResolveContext {
  readonly parentURL?: string;
  readonly conditions?: readonly string[];
  readonly importAttributes?: Record<string, string>;
}
interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<ResolveResult>;

/** Node's errors for a specifier it cannot place, where tsc's resolution may still succeed. */
const NOT_FOUND: ReadonlySet<string> = new Set(["ERR_MODULE_NOT_FOUND", "ERR_UNSUPPORTED_DIR_IMPORT"]);

let options: ResolvedOptions = resolveOptions({}, process.cwd());
let session: CheckSession = createCheckSession(options);

/** Hooks-thread initialisation: receives the options from `register()`. */
export function initialize(data: LoaderData | undefined): void {
  options = resolveOptions(data?.options, data?.cwd ?? process.cwd());
  session = createCheckSession(options);
}

/** tsc's answer for `specifier`, when it is a TypeScript source of the project (not a package, not a .d.ts). */
function resolveLikeTsc(specifier: string, parentURL: string | undefined): string | undefined {
  if (!parentURL?.startsWith("file:")) return undefined;
  const parent = fileURLToPath(parentURL);
  if (parent.includes("/node_modules/")) return undefined;
  const resolved = apiModulesOf(options).resolver.resolve(specifier, parent);
  if (!resolved || resolved.external || !isTransformableFileName(resolved.fileName)) return undefined;
  return pathToFileURL(resolved.fileName).href;
}

/**
 * Node `resolve` hook: resolves imports the way tsc does for the project's tsconfig, so code
 * that compiles with tspc also runs under `node --import`: a tsconfig `paths` alias is tried
 * first (tsc prefers it to node_modules); a specifier Node cannot find (`./order.workflow`,
 * `./lib` for `./lib/index.ts`, `./order.js` written for the emitted `.js` of `order.ts`) is
 * resolved by the compiler's rules. Everything else is left to Node.
 */
export async function resolve(
  specifier: string,
  context: ResolveContext,
  nextResolve: NextResolve,
): Promise<ResolveResult> {
  const paths = apiModulesOf(options).resolver.compilerOptions.paths;
  if (paths && !specifier.startsWith(".") && matchesPathsPattern(specifier, paths)) {
    const url = resolveLikeTsc(specifier, context.parentURL);
    if (url) return { url, shortCircuit: true };
  }
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const url =
      typeof code === "string" && NOT_FOUND.has(code)
        ? resolveLikeTsc(specifier, context.parentURL)
        : undefined;
    if (url) return { url, shortCircuit: true };
    throw error;
  }
}

function sourceText(source: LoadResult["source"]): string {
  if (typeof source === "string") return source;
  if (source == null) return "";
  return new TextDecoder().decode(source instanceof ArrayBuffer ? new Uint8Array(source) : source);
}

/**
 * Node `load` hook: workflow and pure `.ts` files are checked (syntax rules) and rewritten;
 * everything else goes on to Node's own loader (type stripping for plain `.ts`).
 */
export async function load(url: string, context: LoadContext, nextLoad: NextLoad): Promise<LoadResult> {
  if (!url.startsWith("file:")) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  if (!isTransformableFileName(fileName) || fileName.includes("/node_modules/"))
    return nextLoad(url, context);
  const loaded = await nextLoad(url, context);
  const format = loaded.format ?? "";
  const commonjs = format === "commonjs-typescript" || format === "commonjs";
  const result = transformModule(sourceText(loaded.source), fileName, {
    options,
    session,
    module: commonjs ? "commonjs" : "esm",
    inlineSourceMap: true,
  });
  if (result.kind === "skipped") {
    // CTM1520: the engine will refuse this file's workflow; say why before it does
    for (const w of result.warnings) process.stderr.write(`${formatDiagnostic(w)}\n`);
    return loaded;
  }
  if (result.kind === "rejected") throw result.error;
  return { format: commonjs ? "commonjs" : "module", source: result.code, shortCircuit: true };
}
