import type ts from "typescript";
import { relativeFile, type ResolvedOptions } from "../options.ts";
import { apiModulesOf, type ApiModules } from "../syntax/api-modules.ts";
import { workflowApiImport } from "../syntax/api-reference.ts";
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
  return classifyFileWithReason(sf, options, api).kind;
}

/** A file's kind and, for workflow and pure files, why (shown under each diagnostic). */
export interface FileClassification {
  readonly kind: FileKind;
  /** E.g. `it imports \`activity\` from "@continuum/core" (line 3)`; absent for other files. */
  readonly reason?: string;
}

/**
 * {@link classifyFile} with the reason: a developer who meets determinism errors in a file they
 * did not mean as workflow code (a main script importing `activity`) sees what made it one.
 */
export function classifyFileWithReason(
  sf: ts.SourceFile,
  options: ResolvedOptions,
  api: ApiModules = apiModulesOf(options),
): FileClassification {
  const other = { kind: FileKind.other };
  if (!isTransformableFileName(sf.fileName)) return other;
  const rel = relativeFile(options, sf.fileName);
  if (options.exclude.length > 0 && matchesAnyGlob(rel, options.exclude)) return other;
  const directives = readDirectives(sf);
  if (directives.has(Directive.workflow))
    return { kind: FileKind.workflow, reason: `it starts with the "${Directive.workflow}" directive` };
  if (directives.has(Directive.pure))
    return { kind: FileKind.pure, reason: `it starts with the "${Directive.pure}" directive` };
  if (options.workflowFiles.length > 0 && matchesAnyGlob(rel, options.workflowFiles))
    return { kind: FileKind.workflow, reason: `it matches the plugin option workflowFiles` };
  if (options.pureModules.length > 0 && matchesAnyGlob(rel, options.pureModules))
    return { kind: FileKind.pure, reason: `it matches the plugin option pureModules` };
  const found = workflowApiImport(sf, api);
  if (found === undefined) return other;
  return {
    kind: FileKind.workflow,
    reason:
      `it imports \`${found.name}\` from "${found.specifier}" (line ${found.line}); ` +
      `keep code that starts or serves workflows in files that import only the client and engine`,
  };
}
