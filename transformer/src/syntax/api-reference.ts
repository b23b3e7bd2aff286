import ts from "typescript";
import { WHOLE_API, type ApiModules } from "./api-modules.ts";
import { importBindingOf, lookupIdentifier, skipOuter, type ImportBinding } from "./scope.ts";

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
  "cancellable",
  "setAttributes",
] as const;
export type EffectKindName = (typeof EFFECT_KINDS)[number];

const effectKinds: ReadonlySet<string> = new Set(EFFECT_KINDS);

/** True for a canonical effect export name. */
export function isEffectKind(name: string): name is EffectKindName {
  return effectKinds.has(name);
}

/**
 * The canonical API export an expression refers to, from syntax and module resolution:
 * `activity` for `activity`, `act` (`import { activity as act }`, or `act` re-exported by a
 * facade) and `wf.activity` (`import * as wf` of the API or of a facade). `undefined` when the
 * expression is not a reference to a workflow API export.
 */
export function apiExportOf(expression: ts.Expression, api: ApiModules): string | undefined {
  const e = skipOuter(expression);
  const fromSyntax = apiExportFromSyntax(e, api);
  if (fromSyntax !== undefined || !api.exportOfNode) return fromSyntax;
  // where syntax cannot tell: only names that come from another module (an import at the root)
  const root = ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) ? e.expression : e;
  if (!ts.isIdentifier(root) || !bindingOf(root) || !(ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)))
    return undefined;
  const canonical = api.exportOfNode(e);
  return canonical === WHOLE_API ? undefined : canonical;
}

function apiExportFromSyntax(e: ts.Expression, api: ApiModules): string | undefined {
  if (ts.isIdentifier(e)) {
    const binding = bindingOf(e);
    if (!binding || binding.imported === "*" || binding.imported === "default") return undefined;
    const canonical = api.exportOf(binding.module, binding.imported, e.getSourceFile().fileName);
    return canonical === WHOLE_API ? undefined : canonical;
  }
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
    const binding = bindingOf(e.expression);
    if (!binding || binding.imported === "default") return undefined;
    const fromFile = e.getSourceFile().fileName;
    if (binding.imported === "*") {
      const canonical = api.exportOf(binding.module, e.name.text, fromFile);
      return canonical === WHOLE_API ? undefined : canonical;
    }
    // `import { wf } from "./facade"` where the facade has `export * as wf from "@continuum/core"`
    return api.exportOf(binding.module, binding.imported, fromFile) === WHOLE_API ? e.name.text : undefined;
  }
  return undefined;
}

function bindingOf(id: ts.Identifier): ImportBinding | undefined {
  const hit = lookupIdentifier(id);
  const binding = hit ? importBindingOf(hit.declaration) : undefined;
  return binding && !binding.typeOnly ? binding : undefined;
}

/** The effect kind a call invokes, or `undefined` when the call is not an effect call. */
export function effectKindOfCall(call: ts.CallExpression, api: ApiModules): EffectKindName | undefined {
  const name = apiExportOf(call.expression, api);
  return name !== undefined && isEffectKind(name) ? name : undefined;
}

/**
 * The API export a call invokes, also through hand-stamped or already rewritten forms:
 * `sideEffect(f)`, `sideEffect.at("sideEffect:#0")(f)` and `workflow.stamped(stamp)(...)` all
 * answer with the export's canonical name. The checker uses this; the rewrite does not (it
 * must leave stamped calls alone).
 */
export function calledApiExport(call: ts.CallExpression, api: ApiModules): string | undefined {
  const direct = apiExportOf(call.expression, api);
  if (direct !== undefined) return direct;
  const callee = skipOuter(call.expression);
  if (
    ts.isCallExpression(callee) &&
    ts.isPropertyAccessExpression(callee.expression) &&
    (callee.expression.name.text === "at" || callee.expression.name.text === "stamped")
  ) {
    return apiExportOf(callee.expression.expression, api);
  }
  return undefined;
}

/** True when the call is `workflow(...)` from the API (under any alias). */
export function isWorkflowCall(call: ts.CallExpression, api: ApiModules): boolean {
  return apiExportOf(call.expression, api) === "workflow";
}

/** True when the call is `defineActivity(...)` from the API: its function arguments are activity code. */
export function isDefineActivityCall(call: ts.CallExpression, api: ApiModules): boolean {
  return apiExportOf(call.expression, api) === "defineActivity";
}

/** The import that makes a file workflow code: what it names, from where, on which line (1-based). */
export interface WorkflowApiImport {
  readonly name: string;
  readonly specifier: string;
  readonly line: number;
}

/**
 * True when the file has a value import of `workflow` or of an effect from the API, directly
 * or through a facade or `paths` alias of it.
 */
export function importsWorkflowApi(sf: ts.SourceFile, api: ApiModules): boolean {
  return workflowApiImport(sf, api) !== undefined;
}

/** The first import that {@link importsWorkflowApi} finds, to say why a file is workflow code. */
export function workflowApiImport(sf: ts.SourceFile, api: ApiModules): WorkflowApiImport | undefined {
  for (const statement of sf.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const clause = statement.importClause;
    if (!clause || clause.isTypeOnly) continue;
    const specifier = statement.moduleSpecifier.text;
    const line = sf.getLineAndCharacterOfPosition(statement.getStart(sf)).line + 1;
    const nb = clause.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) {
      const viaChecker = api.namespaceExports?.(nb) ?? [];
      if (
        api.exportsApi(specifier, sf.fileName) ||
        viaChecker.some((name) => name === "workflow" || isEffectKind(name))
      )
        return { name: `* as ${nb.name.text}`, specifier, line };
    } else if (nb && ts.isNamedImports(nb)) {
      for (const s of nb.elements) {
        if (s.isTypeOnly) continue;
        const canonical =
          api.exportOf(specifier, (s.propertyName ?? s.name).text, sf.fileName) ?? api.exportOfNode?.(s.name);
        if (canonical === WHOLE_API || canonical === "workflow" || (canonical && isEffectKind(canonical)))
          return { name: s.name.text, specifier, line };
      }
    }
  }
  return undefined;
}
