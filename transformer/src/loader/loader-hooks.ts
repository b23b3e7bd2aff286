import { fileURLToPath } from "node:url";
import { createCheckSession, type CheckSession } from "../checker/check-source-file.ts";
import { isTransformableFileName } from "../classify/file-kind.ts";
import { resolveOptions, type ResolvedOptions } from "../options.ts";
import { transformModule } from "../rewrite/transform-module.ts";

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

let options: ResolvedOptions = resolveOptions({}, process.cwd());
let session: CheckSession = createCheckSession(options);

/** Hooks-thread initialisation: receives the options from `register()`. */
export function initialize(data: LoaderData | undefined): void {
  options = resolveOptions(data?.options, data?.cwd ?? process.cwd());
  session = createCheckSession(options);
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
  if (result.kind === "skipped") return loaded;
  if (result.kind === "rejected") throw result.error;
  return { format: commonjs ? "commonjs" : "module", source: result.code, shortCircuit: true };
}
