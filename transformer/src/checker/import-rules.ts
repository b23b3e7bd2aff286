import ts from "typescript";
import { ModuleKind } from "../classify/module-kind.ts";
import { apiExportOf, calledApiExport } from "../syntax/api-reference.ts";
import { skipOuter } from "../syntax/scope.ts";
import type { CheckContext, RuleFamily } from "./rule-family.ts";

/**
 * Methods of built-in values (arrays, strings, maps) that are safe to call on data imported
 * from an opaque module. Only consulted without a type checker; with one, the declaration decides.
 */
const BUILTIN_PURE_METHODS: ReadonlySet<string> = new Set([
  "map",
  "filter",
  "reduce",
  "find",
  "findIndex",
  "some",
  "every",
  "includes",
  "indexOf",
  "slice",
  "concat",
  "join",
  "flat",
  "flatMap",
  "at",
  "keys",
  "values",
  "entries",
  "get",
  "has",
  "toString",
  "toFixed",
  "toUpperCase",
  "toLowerCase",
  "trim",
  "split",
  "startsWith",
  "endsWith",
  "padStart",
  "padEnd",
  "replace",
  "forEach",
  "toSorted",
  "toReversed",
  "with",
  "localeCompare",
  "charAt",
]);

function isCryptoModule(specifier: string): boolean {
  return specifier === "crypto" || specifier === "node:crypto";
}

function hasValueBindings(clause: ts.ImportClause | undefined): boolean {
  if (!clause) return true; // side-effect import
  if (clause.isTypeOnly) return false;
  if (clause.name) return true;
  const nb = clause.namedBindings;
  if (!nb) return false;
  if (ts.isNamespaceImport(nb)) return true;
  return nb.elements.length === 0 || nb.elements.some((s) => !s.isTypeOnly);
}

function checkImport(node: ts.ImportDeclaration, context: CheckContext): void {
  if (!ts.isStringLiteral(node.moduleSpecifier) || !hasValueBindings(node.importClause)) return;
  const specifier = node.moduleSpecifier.text;
  const kind = context.modules.classify(specifier, context.sourceFile.fileName, node.moduleSpecifier);
  if (kind === ModuleKind.builtin) {
    context.report(node.moduleSpecifier, isCryptoModule(specifier) ? "CTM1104" : "CTM1501", `"${specifier}"`);
  } else if (kind === ModuleKind.opaque && node.importClause === undefined) {
    context.report(node.moduleSpecifier, "CTM1506", `"${specifier}"`);
  }
}

function checkReExport(node: ts.ExportDeclaration, context: CheckContext): void {
  if (node.isTypeOnly || !node.moduleSpecifier || !ts.isStringLiteral(node.moduleSpecifier)) return;
  if (
    node.exportClause &&
    ts.isNamedExports(node.exportClause) &&
    node.exportClause.elements.every((e) => e.isTypeOnly)
  )
    return;
  const specifier = node.moduleSpecifier.text;
  const kind = context.modules.classify(specifier, context.sourceFile.fileName, node.moduleSpecifier);
  if (kind === ModuleKind.builtin)
    context.report(node.moduleSpecifier, isCryptoModule(specifier) ? "CTM1104" : "CTM1501", `"${specifier}"`);
  else if (kind === ModuleKind.opaque) context.report(node.moduleSpecifier, "CTM1507", `"${specifier}"`);
}

const activityTargetTexts = new WeakMap<ts.SourceFile, ReadonlySet<string>>();

/** Texts of the first arguments of `activity(...)` calls in the file: those names are activity definitions. */
function activityTargets(sf: ts.SourceFile, context: CheckContext): ReadonlySet<string> {
  const known = activityTargetTexts.get(sf);
  if (known) return known;
  const texts = new Set<string>();
  const walk = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && calledApiExport(node, context.api) === "activity" && node.arguments[0]) {
      const target = skipOuter(node.arguments[0]);
      texts.add(target.getText(sf));
      // `activity(db.loadCustomer)` also marks a direct `loadCustomer(...)` as an activity call
      if (ts.isPropertyAccessExpression(target)) texts.add(target.name.text);
    }
    ts.forEachChild(node, walk);
  };
  walk(sf);
  activityTargetTexts.set(sf, texts);
  return texts;
}

function isDefineActivityInitializer(decl: ts.Node | undefined, context: CheckContext): boolean {
  if (!decl || !ts.isVariableDeclaration(decl) || !decl.initializer) return false;
  const init = skipOuter(decl.initializer);
  if (!ts.isCallExpression(init)) return false;
  const callee = skipOuter(init.expression);
  const name = ts.isIdentifier(callee)
    ? callee.text
    : ts.isPropertyAccessExpression(callee)
      ? callee.name.text
      : undefined;
  return name === "defineActivity" || apiExportOf(callee, context.api) === "defineActivity";
}

function checkCallee(
  node: ts.CallExpression | ts.NewExpression | ts.TaggedTemplateExpression,
  callee: ts.Expression,
  context: CheckContext,
): void {
  const sf = context.sourceFile;
  const target = skipOuter(callee);
  const declaration = context.resolver.declarationOf(target);
  const root = context.resolver.importRoot(target);
  const targets = activityTargets(sf, context);
  const importedName = root && root.members.length === 0 ? root.binding.imported : undefined;
  const isActivity =
    targets.has(target.getText(sf)) ||
    (importedName !== undefined && targets.has(importedName)) ||
    (ts.isPropertyAccessExpression(target) && targets.has(target.name.text)) ||
    isDefineActivityInitializer(declaration, context);
  if (!root) {
    if (isActivity) context.report(node, "CTM1505", `\`${target.getText(sf)}\``);
    return;
  }
  const kind = context.modules.classify(
    root.binding.module,
    sf.fileName,
    root.binding.declaration.moduleSpecifier,
  );
  if (kind !== ModuleKind.opaque) return;
  // a binding a facade re-exports from the API (`hours` from "./continuum.ts") is the API
  if (apiExportOf(target, context.api) !== undefined) return;
  if (isActivity) {
    context.report(node, "CTM1505", `\`${target.getText(sf)}\``);
    return;
  }
  const directFunction =
    root.members.length === 0 || (root.binding.imported === "*" && root.members.length === 1);
  if (!directFunction) {
    // A method called on data exported by the module: with a checker, lib methods (Array#map)
    // are fine; without one, only a known set of built-in pure method names is.
    if (
      context.checker &&
      declaration &&
      context.program?.isSourceFileDefaultLibrary(declaration.getSourceFile())
    )
      return;
    if (!context.checker && BUILTIN_PURE_METHODS.has(root.members[root.members.length - 1] as string)) return;
  }
  context.report(node, "CTM1504", `\`${target.getText(sf)}\` comes from "${root.binding.module}"`);
}

/** Imports, dynamic loading and calls into modules that are not pure (CTM1104, CTM1501-CTM1507). */
export const importRules: RuleFamily = {
  name: "import",
  references: [{ path: "require", code: "CTM1502" }],
  visit(node, context) {
    if (ts.isImportDeclaration(node)) checkImport(node, context);
    else if (ts.isExportDeclaration(node)) checkReExport(node, context);
    else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      !node.isTypeOnly
    ) {
      context.report(node, "CTM1502");
    } else if (ts.isCallExpression(node)) {
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) context.report(node, "CTM1503");
      else checkCallee(node, node.expression, context);
    } else if (ts.isNewExpression(node)) {
      checkCallee(node, node.expression, context);
    } else if (ts.isTaggedTemplateExpression(node)) {
      checkCallee(node, node.tag, context);
    }
  },
};
