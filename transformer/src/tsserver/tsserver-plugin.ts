import type ts from "typescript";
import { checkSourceFile, createCheckSession, type CheckSession } from "../checker/check-source-file.ts";
import { toTsDiagnostic } from "../checker/continuum-diagnostic.ts";
import { resolveOptions } from "../options.ts";

type TsServer = typeof ts;

/**
 * tsserver language-service plugin: the editor shows Continuum's errors as squiggles, the same
 * diagnostics tspc reports. Configure `{ "name": "@continuum/transformer/tsserver" }` in the
 * tsconfig `plugins`; the package must be installed where TypeScript is (a root devDependency).
 *
 * @example
 * ```jsonc
 * { "compilerOptions": { "plugins": [{ "name": "@continuum/transformer/tsserver" }] } }
 * ```
 */
export default function init(modules: { typescript: TsServer }): {
  create(info: ts.server.PluginCreateInfo): ts.LanguageService;
} {
  const tsi = modules.typescript;
  return {
    create(info) {
      const ls = info.languageService;
      const config = info.config as Record<string, unknown>;
      const configFile = info.project.getProjectName();
      const root = /\.json$/.test(configFile)
        ? configFile.replace(/[\\/][^\\/]*$/, "")
        : info.project.getCurrentDirectory();
      const options = resolveOptions(config, root, info.project.getCompilerOptions());
      let session: { program: ts.Program; session: CheckSession } | undefined;
      const proxy = Object.create(null) as Record<string, unknown>;
      for (const key of Object.keys(ls) as (keyof ts.LanguageService)[]) {
        const member = ls[key];
        proxy[key] =
          typeof member === "function"
            ? (...args: unknown[]) => (member as (...a: unknown[]) => unknown).apply(ls, args)
            : member;
      }
      proxy["getSemanticDiagnostics"] = (fileName: string): ts.Diagnostic[] => {
        const prior = ls.getSemanticDiagnostics(fileName);
        try {
          const program = ls.getProgram();
          const sf = program?.getSourceFile(fileName);
          if (!program || !sf) return prior;
          if (session?.program !== program)
            session = { program, session: createCheckSession(options, program) };
          return [...prior, ...checkSourceFile(sf, session.session).map((d) => toTsDiagnostic(d, sf, tsi))];
        } catch (error) {
          info.project.projectService.logger.info(
            `continuum: check failed for ${fileName}: ${String(error)}`,
          );
          return prior;
        }
      };
      return proxy as unknown as ts.LanguageService;
    },
  };
}
