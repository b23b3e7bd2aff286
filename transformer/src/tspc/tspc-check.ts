import type ts from "typescript";
import { checkSourceFile, createCheckSession, type CheckSession } from "../checker/check-source-file.ts";
import { toTsDiagnostic } from "../checker/continuum-diagnostic.ts";
import { buildManifest, manifestPath, writeManifest } from "../manifest/manifest.ts";
import { optionsForProgram, programIdentities } from "./program-files.ts";

type DiagnosticsGetter = (
  sourceFile?: ts.SourceFile,
  token?: ts.CancellationToken,
) => readonly ts.Diagnostic[];

/**
 * ts-patch program transformer (`"transformProgram": true`): adds Continuum's diagnostics to
 * `program.getSemanticDiagnostics` and to `getBindAndCheckDiagnostics` (what the builder of
 * `--incremental` and `-b` asks), so `tspc --noEmit` fails and `--noEmitOnError` blocks emit.
 * It also writes the manifest after every emit (SPEC section 6).
 *
 * @example
 * ```jsonc
 * // tsconfig.json
 * { "compilerOptions": { "plugins": [{ "transform": "@continuum/transformer/tspc-check", "transformProgram": true }] } }
 * ```
 */
export default function continuumCheckProgram(
  program: ts.Program,
  _host: ts.CompilerHost | undefined,
  config: Record<string, unknown>,
  extras: { ts: typeof ts },
): ts.Program {
  const tsi = extras.ts;
  const options = optionsForProgram(config, program.getCompilerOptions(), program.getCurrentDirectory());
  let session: CheckSession | undefined;
  const cache = new Map<string, readonly ts.Diagnostic[]>();
  const ours = (sf: ts.SourceFile): readonly ts.Diagnostic[] => {
    if (sf.isDeclarationFile || program.isSourceFileFromExternalLibrary(sf)) return [];
    const known = cache.get(sf.fileName);
    if (known) return known;
    session ??= createCheckSession(options, program);
    const found = checkSourceFile(sf, session).map((d) => toTsDiagnostic(d, sf, tsi));
    cache.set(sf.fileName, found);
    return found;
  };
  const wrap = (name: "getSemanticDiagnostics" | "getBindAndCheckDiagnostics"): void => {
    const target = program as unknown as Record<string, DiagnosticsGetter | undefined>;
    const original = target[name];
    if (typeof original !== "function") return;
    target[name] = (sourceFile, token) => {
      const base = original.call(program, sourceFile, token);
      const extra = sourceFile ? ours(sourceFile) : program.getSourceFiles().flatMap((sf) => ours(sf));
      return extra.length === 0 ? base : [...base, ...extra];
    };
  };
  wrap("getSemanticDiagnostics");
  wrap("getBindAndCheckDiagnostics");

  const compilerOptions = program.getCompilerOptions();
  const target = manifestPath(options.rootDir, options.manifest, compilerOptions.outDir);
  if (target && !compilerOptions.noEmit) {
    const emit = program.emit.bind(program);
    program.emit = (...args: Parameters<ts.Program["emit"]>) => {
      const result = emit(...args);
      if (!result.emitSkipped) writeManifest(target, buildManifest(programIdentities(program, options)));
      return result;
    };
  }
  return program;
}
