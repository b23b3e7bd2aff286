import ts from "typescript";
import { createExportResolver } from "../syntax/export-resolver.ts";
import { importBindingOf, lookupIdentifier, skipOuter, type ImportBinding } from "../syntax/scope.ts";

/** What an identifier refers to. */
export type Resolution =
  | { readonly kind: "global"; readonly name: string }
  | { readonly kind: "import"; readonly binding: ImportBinding; readonly declaration: ts.Node }
  | { readonly kind: "local"; readonly declaration: ts.Node }
  | { readonly kind: "unknown" };

/** An expression rooted at an import binding: `payments.charge` is `{ binding: payments, members: ["charge"] }`. */
export interface ImportRoot {
  readonly binding: ImportBinding;
  readonly members: readonly string[];
}

/**
 * Resolves references to the globals and imports they stand for, through aliases
 * (`const n = Date.now`), destructuring (`const { random } = Math`) and global-object
 * prefixes. With a type checker it also crosses modules and falls back to declared types.
 */
export interface ReferenceResolver {
  resolveIdentifier(id: ts.Identifier): Resolution;
  /** `"Math.random"` for `globalThis.Math.random`, `"globalThis"` for the global object itself. */
  globalPath(expr: ts.Expression): string | undefined;
  importRoot(expr: ts.Expression): ImportRoot | undefined;
  /** The declaration an expression (identifier or member access) finally names, when known. */
  declarationOf(expr: ts.Expression): ts.Node | undefined;
  /** True when `sf` is a library (default lib, declaration file, external package). */
  isLibraryFile(sf: ts.SourceFile): boolean;
}

const GLOBAL_OBJECTS: ReadonlySet<string> = new Set(["globalThis", "window", "global", "self"]);
/** Lib interfaces whose members are reached through a global of another name. */
const OWNER_GLOBALS: Readonly<Record<string, string>> = {
  DateConstructor: "Date",
  Math: "Math",
  Performance: "performance",
  Crypto: "crypto",
  Console: "console",
  Process: "process",
  Atomics: "Atomics",
};
const MAX_DEPTH = 12;

function memberName(e: ts.Expression): string | undefined {
  if (ts.isPropertyAccessExpression(e)) return ts.isPrivateIdentifier(e.name) ? undefined : e.name.text;
  if (ts.isElementAccessExpression(e)) {
    const arg = skipOuter(e.argumentExpression);
    if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) return arg.text;
  }
  return undefined;
}

function propertyNameText(name: ts.PropertyName | undefined): string | undefined {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

/**
 * Creates a resolver; pass `program` to enable the checker-backed behaviour (tspc, editor).
 *
 * @example
 * ```ts
 * createReferenceResolver().globalPath(expr); // "Date.now" for `const n = Date.now; n`
 * ```
 */
export function createReferenceResolver(program?: ts.Program): ReferenceResolver {
  const checker = program?.getTypeChecker();
  const exports = createExportResolver();
  const isLibraryFile = (sf: ts.SourceFile): boolean =>
    sf.isDeclarationFile ||
    (program !== undefined &&
      (program.isSourceFileDefaultLibrary(sf) || program.isSourceFileFromExternalLibrary(sf)));

  const resolveIdentifier = (id: ts.Identifier): Resolution => {
    if (!checker) {
      const hit = lookupIdentifier(id);
      if (!hit) return { kind: "global", name: id.text };
      const binding = importBindingOf(hit.declaration);
      return binding
        ? { kind: "import", binding, declaration: hit.declaration }
        : { kind: "local", declaration: hit.declaration };
    }
    const parent = id.parent;
    const symbol =
      parent && ts.isShorthandPropertyAssignment(parent) && parent.name === id
        ? checker.getShorthandAssignmentValueSymbol(parent)
        : checker.getSymbolAtLocation(id);
    const decls = symbol?.declarations ?? [];
    const first = decls[0];
    if (!first) return { kind: "global", name: id.text };
    const binding = importBindingOf(first);
    if (binding) return { kind: "import", binding, declaration: first };
    if (decls.every((d) => isLibraryFile(d.getSourceFile()))) return { kind: "global", name: id.text };
    return { kind: "local", declaration: first };
  };

  /** The declaration an import binding finally refers to, in a user source file. */
  const importTarget = (declaration: ts.Node): ts.Node | undefined => {
    if (!checker) {
      const binding = importBindingOf(declaration);
      return binding ? exports.declarationOf(binding, declaration.getSourceFile().fileName) : undefined;
    }
    const named = (declaration as ts.NamedDeclaration).name;
    if (!named) return undefined;
    const symbol = checker.getSymbolAtLocation(named);
    if (!symbol || !(symbol.flags & ts.SymbolFlags.Alias)) return undefined;
    const target = checker.getAliasedSymbol(symbol);
    const decl = target.valueDeclaration ?? target.declarations?.[0];
    return decl && !isLibraryFile(decl.getSourceFile()) ? decl : undefined;
  };

  const patternSourcePath = (pattern: ts.ObjectBindingPattern, depth: number): string | undefined => {
    const holder = pattern.parent;
    if (ts.isVariableDeclaration(holder))
      return holder.initializer ? pathOf(holder.initializer, depth + 1) : undefined;
    if (ts.isBindingElement(holder) && ts.isObjectBindingPattern(holder.parent)) {
      const base = patternSourcePath(holder.parent, depth + 1);
      const prop = propertyNameText(holder.propertyName);
      return base !== undefined && prop !== undefined ? join(base, prop) : undefined;
    }
    return undefined;
  };

  const pathOfDeclaration = (decl: ts.Node, depth: number): string | undefined => {
    if (depth > MAX_DEPTH) return undefined;
    if (ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name) && decl.initializer)
      return pathOf(decl.initializer, depth + 1);
    if (
      ts.isBindingElement(decl) &&
      ts.isIdentifier(decl.name) &&
      ts.isObjectBindingPattern(decl.parent) &&
      !decl.dotDotDotToken
    ) {
      const base = patternSourcePath(decl.parent, depth + 1);
      const prop = propertyNameText(decl.propertyName) ?? decl.name.text;
      return base !== undefined ? join(base, prop) : undefined;
    }
    if (ts.isExportSpecifier(decl) || ts.isExportAssignment(decl)) return undefined;
    return undefined;
  };

  const join = (base: string, name: string): string => {
    if (base === "globalThis") return GLOBAL_OBJECTS.has(name) ? "globalThis" : name;
    // `Date.prototype.constructor` is `Date`
    if (name === "constructor" && base.endsWith(".prototype")) return base.slice(0, -".prototype".length);
    return `${base}.${name}`;
  };

  const typeFallback = (e: ts.PropertyAccessExpression): string | undefined => {
    if (!checker || ts.isPrivateIdentifier(e.name)) return undefined;
    const decl = checker.getSymbolAtLocation(e.name)?.declarations?.[0];
    if (!decl || !isLibraryFile(decl.getSourceFile())) return undefined;
    const owner = decl.parent;
    const ownerName =
      owner && (ts.isInterfaceDeclaration(owner) || ts.isClassDeclaration(owner))
        ? owner.name?.text
        : undefined;
    const global = ownerName === undefined ? undefined : OWNER_GLOBALS[ownerName];
    return global === undefined ? undefined : `${global}.${e.name.text}`;
  };

  const pathOf = (expr: ts.Expression, depth: number): string | undefined => {
    if (depth > MAX_DEPTH) return undefined;
    const e = skipOuter(expr);
    // `(0, Date.now)` evaluates to its last operand
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.CommaToken)
      return pathOf(e.right, depth + 1);
    if (ts.isIdentifier(e)) {
      const r = resolveIdentifier(e);
      switch (r.kind) {
        case "global":
          return GLOBAL_OBJECTS.has(r.name) ? "globalThis" : r.name;
        case "local":
          return pathOfDeclaration(r.declaration, depth + 1);
        case "import": {
          const target = importTarget(r.declaration);
          return target ? pathOfDeclaration(target, depth + 1) : undefined;
        }
        case "unknown":
          return undefined;
      }
    }
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
      const name = memberName(e);
      if (name === undefined) return undefined;
      const base = pathOf(e.expression, depth + 1);
      if (base !== undefined) return join(base, name);
      return ts.isPropertyAccessExpression(e) ? typeFallback(e) : undefined;
    }
    return undefined;
  };

  const rootOf = (expr: ts.Expression, depth: number): ImportRoot | undefined => {
    if (depth > MAX_DEPTH) return undefined;
    const e = skipOuter(expr);
    if (ts.isIdentifier(e)) {
      const r = resolveIdentifier(e);
      if (r.kind === "import") return { binding: r.binding, members: [] };
      if (r.kind !== "local") return undefined;
      const d = r.declaration;
      if (ts.isVariableDeclaration(d) && ts.isIdentifier(d.name) && d.initializer)
        return rootOf(d.initializer, depth + 1);
      if (
        ts.isBindingElement(d) &&
        ts.isIdentifier(d.name) &&
        ts.isObjectBindingPattern(d.parent) &&
        ts.isVariableDeclaration(d.parent.parent)
      ) {
        const init = d.parent.parent.initializer;
        const base = init ? rootOf(init, depth + 1) : undefined;
        const prop = propertyNameText(d.propertyName) ?? d.name.text;
        return base ? { binding: base.binding, members: [...base.members, prop] } : undefined;
      }
      return undefined;
    }
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
      const name = memberName(e);
      const base = name === undefined ? undefined : rootOf(e.expression, depth + 1);
      return base && name !== undefined
        ? { binding: base.binding, members: [...base.members, name] }
        : undefined;
    }
    return undefined;
  };

  const declarationOf = (expr: ts.Expression): ts.Node | undefined => {
    const e = skipOuter(expr);
    if (checker) {
      const at = ts.isPropertyAccessExpression(e) ? e.name : e;
      let symbol = checker.getSymbolAtLocation(at);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      return symbol?.valueDeclaration ?? symbol?.declarations?.[0];
    }
    if (ts.isIdentifier(e)) {
      const r = resolveIdentifier(e);
      return r.kind === "local"
        ? r.declaration
        : r.kind === "import"
          ? importTarget(r.declaration)
          : undefined;
    }
    if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
      // ns.member on a namespace import
      const r = resolveIdentifier(e.expression);
      if (r.kind === "import" && r.binding.imported === "*") {
        return exports.declarationOf({ ...r.binding, imported: e.name.text }, e.getSourceFile().fileName);
      }
    }
    return undefined;
  };

  return {
    resolveIdentifier,
    globalPath: (expr) => pathOf(expr, 0),
    importRoot: (expr) => rootOf(expr, 0),
    declarationOf,
    isLibraryFile,
  };
}
