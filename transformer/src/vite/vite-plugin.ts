import path from "node:path";
import { createCheckSession, type CheckSession } from "../checker/check-source-file.ts";
import { isTransformableFileName } from "../classify/file-kind.ts";
import { formatDiagnostic } from "../checker/continuum-diagnostic.ts";
import { buildManifest, manifestPath, writeManifest } from "../manifest/manifest.ts";
import { resolveOptions, type ContinuumTransformerOptions, type ResolvedOptions } from "../options.ts";
import type { FileIdentities } from "../rewrite/compute-identities.ts";
import { transformModule } from "../rewrite/transform-module.ts";

/** The subset of vite's `Plugin` this plugin implements (kept structural: no dependency on vite). */
export interface ContinuumVitePlugin {
  readonly name: string;
  readonly enforce: "pre";
  configResolved(config: { root: string; command?: string }): void;
  transform(this: unknown, code: string, id: string): { code: string; map: string | null } | null;
  buildEnd(): void;
}

/**
 * vite / vitest plugin. vite compiles TypeScript with Oxc, which ignores TypeScript
 * transformers, so this plugin (enforce "pre") runs the syntax checks and the rewrite on
 * workflow and pure files itself. A bad workflow fails the import with `file:line:col`.
 *
 * @example
 * ```ts
 * // vitest.config.ts
 * import { continuum } from "@continuum/transformer/vite";
 * export default defineConfig({ plugins: [continuum({ trustedPackages: ["zod"] })] });
 * ```
 */
export function continuum(userOptions: ContinuumTransformerOptions = {}): ContinuumVitePlugin {
  let options: ResolvedOptions = resolveOptions(userOptions, process.cwd());
  let session: CheckSession = createCheckSession(options);
  let isBuild = false;
  const files = new Map<string, FileIdentities>();
  return {
    name: "continuum",
    enforce: "pre",
    configResolved(config) {
      options = resolveOptions(userOptions, userOptions.rootDir ?? config.root);
      session = createCheckSession(options);
      isBuild = config.command === "build";
    },
    transform(code, id) {
      const fileName = id.split("?")[0] as string;
      if (
        fileName.startsWith("\0") ||
        !isTransformableFileName(fileName) ||
        fileName.includes(`${path.sep}node_modules${path.sep}`)
      )
        return null;
      const result = transformModule(code, fileName, { options, session });
      if (result.kind === "skipped") {
        // CTM1520: a workflow this plugin cannot stamp fails at run time; say so at build time
        for (const w of result.warnings) {
          const text = `${formatDiagnostic(w)}`;
          const warn = (this as { warn?: unknown } | undefined)?.warn;
          if (typeof warn === "function") (warn as (m: string) => void).call(this, text);
          else process.stderr.write(`${text}\n`);
        }
        return null;
      }
      if (result.kind === "rejected") {
        // vite prints `loc` and `id` with the message; `column` is 0-based there
        const first = result.diagnostics[0];
        throw Object.assign(result.error, {
          id: fileName,
          plugin: "continuum",
          ...(first ? { loc: { file: fileName, line: first.line, column: first.column - 1 } } : {}),
        });
      }
      if (result.identities) files.set(fileName, result.identities);
      return { code: result.code, map: result.map ?? null };
    },
    buildEnd() {
      const target = manifestPath(options.rootDir, options.manifest, undefined);
      if (isBuild && target && files.size > 0) writeManifest(target, buildManifest([...files.values()]));
    },
  };
}

export default continuum;
