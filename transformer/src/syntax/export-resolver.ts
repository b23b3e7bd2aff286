import { existsSync, readFileSync } from "node:fs";
import ts from "typescript";
import { resolveRelativeSource } from "../classify/module-kind.ts";
import { lookupName, importBindingOf, type ImportBinding } from "./scope.ts";

const MAX_HOPS = 8;

/**
 * Follows an import to the declaration that exports it, across relative modules, from syntax
 * and the file system alone: the checker-less counterpart of `checker.getAliasedSymbol`, so
 * vite and the node loader see through helper modules and re-exports too.
 */
export interface ExportResolver {
  /** The declaration `binding` finally names, or `undefined` (package, `default`, not found). */
  declarationOf(binding: ImportBinding, fromFile: string): ts.Node | undefined;
}

/**
 * Creates a resolver with its own parse cache (one per check session).
 *
 * @example
 * ```ts
 * createExportResolver().declarationOf(binding, "/app/src/order.workflow.ts"); // VariableDeclaration in ./clock.ts
 * ```
 */
export function createExportResolver(): ExportResolver {
  const parsed = new Map<string, ts.SourceFile | undefined>();
  const parse = (fileName: string): ts.SourceFile | undefined => {
    if (!parsed.has(fileName)) {
      parsed.set(
        fileName,
        existsSync(fileName)
          ? ts.createSourceFile(fileName, readFileSync(fileName, "utf8"), ts.ScriptTarget.Latest, true)
          : undefined,
      );
    }
    return parsed.get(fileName);
  };

  const exported = (sf: ts.SourceFile, name: string, hops: number): ts.Node | undefined => {
    if (hops > MAX_HOPS) return undefined;
    for (const statement of sf.statements) {
      if (ts.isExportDeclaration(statement) && !statement.isTypeOnly) {
        const from =
          statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)
            ? statement.moduleSpecifier.text
            : undefined;
        const clause = statement.exportClause;
        if (!clause) {
          // export * from "./x"
          const target = from === undefined ? undefined : inModule(from, sf.fileName, name, hops + 1);
          if (target) return target;
          continue;
        }
        if (!ts.isNamedExports(clause)) continue;
        for (const spec of clause.elements) {
          if (spec.name.text !== name || spec.isTypeOnly) continue;
          const local = (spec.propertyName ?? spec.name).text;
          return from === undefined
            ? local_(sf, local, hops + 1)
            : inModule(from, sf.fileName, local, hops + 1);
        }
      } else if (
        ts.isVariableStatement(statement) &&
        statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
      ) {
        const hit = lookupName(statement, name);
        if (hit && hit.scope === sf) return hit.declaration;
      } else if (
        (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) &&
        statement.name?.text === name &&
        statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
      ) {
        return statement;
      }
    }
    return undefined;
  };

  /** A module-scope name of `sf`, following it when it is itself an import. */
  const local_ = (sf: ts.SourceFile, name: string, hops: number): ts.Node | undefined => {
    const hit = lookupName(sf, name);
    if (!hit) return undefined;
    const binding = importBindingOf(hit.declaration);
    return binding ? follow(binding, sf.fileName, hops + 1) : hit.declaration;
  };

  const inModule = (specifier: string, fromFile: string, name: string, hops: number): ts.Node | undefined => {
    if (!specifier.startsWith(".")) return undefined;
    const file = resolveRelativeSource(specifier, fromFile);
    const sf = file === undefined ? undefined : parse(file);
    return sf ? exported(sf, name, hops) : undefined;
  };

  const follow = (binding: ImportBinding, fromFile: string, hops: number): ts.Node | undefined => {
    if (binding.typeOnly || binding.imported === "*" || binding.imported === "default") return undefined;
    return inModule(binding.module, fromFile, binding.imported, hops);
  };

  return { declarationOf: (binding, fromFile) => follow(binding, fromFile, 0) };
}
