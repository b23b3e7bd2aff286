import ts from "typescript";
import { API_MODULES } from "../options.ts";
import { importBindingOf, lookupIdentifier, skipOuter } from "./scope.ts";

/** The effect kinds of SPEC section 2, in the order of the identity contract. */
export const EFFECT_KINDS = [
  "activity",
  "sleep",
  "sleepUntil",
  "signal",
  "now",
  "today",
  "uuid4",
  "random",
  "sideEffect",
  "log",
  "child",
  "startChild",
  "awaitChild",
  "patched",
  "deprecatePatch",
  "continueAsNew",
  "compensate",
  "compensateAll",
] as const;
export type EffectKindName = (typeof EFFECT_KINDS)[number];

const effectKinds: ReadonlySet<string> = new Set(EFFECT_KINDS);

/** True for a canonical effect export name. */
export function isEffectKind(name: string): name is EffectKindName {
  return effectKinds.has(name);
}

/**
 * The canonical API export an expression refers to, from syntax: `activity` for `activity`,
 * `act` (`import { activity as act }`) and `wf.activity` (`import * as wf`). `undefined` when the
 * expression is not a reference to a workflow API export.
 */
export function apiExportOf(expression: ts.Expression): string | undefined {
  const e = skipOuter(expression);
  if (ts.isIdentifier(e)) {
    const hit = lookupIdentifier(e);
    if (!hit) return undefined;
    const binding = importBindingOf(hit.declaration);
    if (!binding || binding.typeOnly || !API_MODULES.has(binding.module)) return undefined;
    return binding.imported === "*" || binding.imported === "default" ? undefined : binding.imported;
  }
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
    const hit = lookupIdentifier(e.expression);
    if (!hit) return undefined;
    const binding = importBindingOf(hit.declaration);
    if (!binding || binding.typeOnly || !API_MODULES.has(binding.module) || binding.imported !== "*")
      return undefined;
    return e.name.text;
  }
  return undefined;
}

/** The effect kind a call invokes, or `undefined` when the call is not an effect call. */
export function effectKindOfCall(call: ts.CallExpression): EffectKindName | undefined {
  const name = apiExportOf(call.expression);
  return name !== undefined && isEffectKind(name) ? name : undefined;
}

/**
 * The API export a call invokes, also through hand-stamped or already rewritten forms:
 * `sideEffect(f)`, `sideEffect.at("sideEffect:#0")(f)` and `workflow.stamped(stamp)(...)` all
 * answer with the export's canonical name. The checker uses this; the rewrite does not (it
 * must leave stamped calls alone).
 */
export function calledApiExport(call: ts.CallExpression): string | undefined {
  const direct = apiExportOf(call.expression);
  if (direct !== undefined) return direct;
  const callee = skipOuter(call.expression);
  if (
    ts.isCallExpression(callee) &&
    ts.isPropertyAccessExpression(callee.expression) &&
    (callee.expression.name.text === "at" || callee.expression.name.text === "stamped")
  ) {
    return apiExportOf(callee.expression.expression);
  }
  return undefined;
}

/** True when the call is `workflow(...)` from the API (under any alias). */
export function isWorkflowCall(call: ts.CallExpression): boolean {
  return apiExportOf(call.expression) === "workflow";
}

/** True when the call is `defineActivity(...)` from the API: its function arguments are activity code. */
export function isDefineActivityCall(call: ts.CallExpression): boolean {
  return apiExportOf(call.expression) === "defineActivity";
}

/** True when the file has a value import of `workflow` or of an effect from an API module. */
export function importsWorkflowApi(sf: ts.SourceFile): boolean {
  for (const statement of sf.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    if (!API_MODULES.has(statement.moduleSpecifier.text)) continue;
    const clause = statement.importClause;
    if (!clause || clause.isTypeOnly) continue;
    const nb = clause.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) return true;
    if (nb && ts.isNamedImports(nb)) {
      for (const s of nb.elements) {
        const imported = (s.propertyName ?? s.name).text;
        if (!s.isTypeOnly && (imported === "workflow" || isEffectKind(imported))) return true;
      }
    }
  }
  return false;
}
