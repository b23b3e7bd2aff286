import { existsSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import ts from "typescript";
import type { ResolvedOptions } from "../options.ts";
import { API_MODULE_NAMES, apiModulesOf } from "../syntax/api-modules.ts";
import { resolveRelativeSource } from "../syntax/module-resolution.ts";
import { classifyFile, FileKind, isTransformableFileName } from "./file-kind.ts";

/** What an import specifier points at, from the point of view of workflow code (SPEC section 3). */
export const ModuleKind = {
  api: "api",
  builtin: "builtin",
  trusted: "trusted",
  pure: "pure",
  opaque: "opaque",
} as const;
export type ModuleKind = (typeof ModuleKind)[keyof typeof ModuleKind];

/** Package name of a bare specifier (`@scope/name` or `name`). */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
}

export { resolveRelativeSource };

/** Classifies import specifiers; with a `Program` the compiler resolves them, else the file system. */
export interface ModuleClassifier {
  /** `moduleSpecifier` is the string literal node of the import (used to ask the checker). */
  classify(specifier: string, fromFile: string, moduleSpecifier?: ts.Expression): ModuleKind;
}

/**
 * Creates a classifier. Results are cached per (directory, specifier) for the classifier's lifetime.
 *
 * @example
 * ```ts
 * createModuleClassifier(options, program).classify("./pricing.ts", "/app/src/order.workflow.ts"); // "pure" | "opaque"
 * ```
 */
export function createModuleClassifier(options: ResolvedOptions, program?: ts.Program): ModuleClassifier {
  const cache = new Map<string, ModuleKind>();
  const api = apiModulesOf(options, program);
  const fileKinds = new Map<string, FileKind>();
  const kindOfFile = (fileName: string): FileKind => {
    const known = fileKinds.get(fileName);
    if (known !== undefined) return known;
    let kind: FileKind = FileKind.other;
    const fromProgram = program?.getSourceFile(fileName);
    if (fromProgram) kind = classifyFile(fromProgram, options, api);
    else if (isTransformableFileName(fileName) && existsSync(fileName)) {
      kind = classifyFile(
        ts.createSourceFile(fileName, readFileSync(fileName, "utf8"), ts.ScriptTarget.Latest, true),
        options,
      );
    }
    fileKinds.set(fileName, kind);
    return kind;
  };
  const resolveWithProgram = (
    specifier: string,
    fromFile: string,
    node?: ts.Expression,
  ): string | undefined => {
    if (!program) return undefined;
    if (node) {
      const symbol = program.getTypeChecker().getSymbolAtLocation(node);
      const decl = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
      if (decl && ts.isSourceFile(decl)) return decl.fileName;
    }
    const resolved = ts.resolveModuleName(specifier, fromFile, program.getCompilerOptions(), ts.sys);
    return resolved.resolvedModule?.resolvedFileName;
  };
  return {
    classify(specifier, fromFile, node) {
      if (API_MODULE_NAMES.has(specifier)) return ModuleKind.api;
      if (specifier.startsWith("node:") || isBuiltin(specifier)) return ModuleKind.builtin;
      const relative = specifier.startsWith(".") || path.isAbsolute(specifier);
      if (!relative && options.trustedPackages.includes(packageNameOf(specifier))) return ModuleKind.trusted;
      const key = `${path.dirname(fromFile)}\0${specifier}`;
      const cached = cache.get(key);
      if (cached !== undefined) return cached;
      // a `paths` alias of the API, or a facade that only re-exports it
      if (api.isApi(specifier, fromFile)) {
        cache.set(key, ModuleKind.api);
        return ModuleKind.api;
      }
      const target =
        resolveWithProgram(specifier, fromFile, node) ?? api.resolver.resolve(specifier, fromFile)?.fileName;
      const result =
        target !== undefined &&
        isTransformableFileName(target) &&
        !target.includes(`${path.sep}node_modules${path.sep}`) &&
        kindOfFile(target) !== FileKind.other
          ? ModuleKind.pure
          : ModuleKind.opaque;
      cache.set(key, result);
      return result;
    },
  };
}
