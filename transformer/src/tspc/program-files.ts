import path from "node:path";
import type ts from "typescript";
import { classifyFile, FileKind } from "../classify/file-kind.ts";
import { relativeFile, resolveOptions, type ResolvedOptions } from "../options.ts";
import { apiModulesOf } from "../syntax/api-modules.ts";
import { computeIdentities, type FileIdentities } from "../rewrite/compute-identities.ts";

/** The directory of the program's tsconfig (the default root), else the current directory. */
export function programRoot(options: ts.CompilerOptions, fallback: string): string {
  const config = options["configFilePath"];
  return typeof config === "string" ? path.dirname(config) : fallback;
}

/** Resolves plugin-entry options against the program's tsconfig directory. */
export function optionsForProgram(
  config: unknown,
  compilerOptions: ts.CompilerOptions,
  cwd: string,
): ResolvedOptions {
  return resolveOptions(config, programRoot(compilerOptions, cwd), compilerOptions);
}

/** Identities of every workflow and pure source file of a program (the manifest's input). */
export function programIdentities(program: ts.Program, options: ResolvedOptions): FileIdentities[] {
  // binding sets the parent pointers the scope walk relies on (a no-op once the program was checked)
  if (
    program
      .getSourceFiles()
      .some(
        (sf) =>
          !sf.isDeclarationFile && sf.statements[0] !== undefined && sf.statements[0].parent === undefined,
      )
  ) {
    program.getTypeChecker();
  }
  return program
    .getSourceFiles()
    .filter(
      (sf) =>
        !sf.isDeclarationFile &&
        !program.isSourceFileFromExternalLibrary(sf) &&
        classifyFile(sf, options, apiModulesOf(options, program)) !== FileKind.other,
    )
    .map((sf) => computeIdentities(sf, relativeFile(options, sf.fileName), apiModulesOf(options, program)));
}
