import type ts from "typescript";
import { relativeFile, type ResolvedOptions } from "../options.ts";
import { apiModulesOf, type ApiModules } from "../syntax/api-modules.ts";
import { importsWorkflowApi } from "../syntax/api-reference.ts";
import { Directive, readDirectives } from "../syntax/directives.ts";
import { matchesAnyGlob } from "../syntax/glob.ts";

/** How the transformer treats a file (SPEC section 3). */
export const FileKind = { workflow: "workflow", pure: "pure", other: "other" } as const;
export type FileKind = (typeof FileKind)[keyof typeof FileKind];

/** True for file names the transformer looks at (TypeScript sources, not declarations). */
export function isTransformableFileName(fileName: string): boolean {
  return /\.(?:[cm]?ts|tsx)$/.test(fileName) && !/\.d\.[cm]?ts$/.test(fileName);
}

/**
 * Classifies a file from its directives, the option globs and its API imports (through facades
 * and `paths` aliases). Syntax and module resolution only, so every entry point agrees.
 *
 * @example
 * ```ts
 * classifyFile(sf, resolveOptions({ pureModules: ["src/lib/**"] }, process.cwd())); // "pure" | ...
 * ```
 */
export function classifyFile(
  sf: ts.SourceFile,
  options: ResolvedOptions,
  api: ApiModules = apiModulesOf(options),
): FileKind {
  if (!isTransformableFileName(sf.fileName)) return FileKind.other;
  const rel = relativeFile(options, sf.fileName);
  if (options.exclude.length > 0 && matchesAnyGlob(rel, options.exclude)) return FileKind.other;
  const directives = readDirectives(sf);
  if (directives.has(Directive.workflow)) return FileKind.workflow;
  if (directives.has(Directive.pure)) return FileKind.pure;
  if (options.workflowFiles.length > 0 && matchesAnyGlob(rel, options.workflowFiles))
    return FileKind.workflow;
  if (options.pureModules.length > 0 && matchesAnyGlob(rel, options.pureModules)) return FileKind.pure;
  return importsWorkflowApi(sf, api) ? FileKind.workflow : FileKind.other;
}
