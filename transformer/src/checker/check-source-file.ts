import ts from "typescript";
import { classifyFileWithReason, FileKind } from "../classify/file-kind.ts";
import { createModuleClassifier, type ModuleClassifier } from "../classify/module-kind.ts";
import type { ResolvedOptions } from "../options.ts";
import { apiModulesOf, type ApiModules } from "../syntax/api-modules.ts";
import { calledApiExport, isDefineActivityCall, isEffectKind } from "../syntax/api-reference.ts";
import { isReference } from "../syntax/reference-position.ts";
import { skipOuter } from "../syntax/scope.ts";
import { diagnosticAt, type ContinuumDiagnostic } from "./continuum-diagnostic.ts";
import { effectUsageRules } from "./effect-usage-rules.ts";
import { globalStateRules } from "./global-state-rules.ts";
import { importRules } from "./import-rules.ts";
import { ioRules } from "./io-rules.ts";
import { iterationRules } from "./iteration-rules.ts";
import { payloadRules } from "./payload-rules.ts";
import { processRules } from "./process-rules.ts";
import { randomRules } from "./random-rules.ts";
import { createReferenceResolver, type ReferenceResolver } from "./reference-resolver.ts";
import type { RuleCode } from "./rule-codes.ts";
import type { CheckContext, ReferenceRule, RuleFamily } from "./rule-family.ts";
import { runtimeRules } from "./runtime-rules.ts";
import { timeRules } from "./time-rules.ts";
import { timerRules } from "./timer-rules.ts";
import { unstampedWorkflowWarnings } from "./unstamped-workflow.ts";

/** Every rule family, in report order. */
export const RULE_FAMILIES: readonly RuleFamily[] = [
  timeRules,
  randomRules,
  timerRules,
  ioRules,
  processRules,
  importRules,
  effectUsageRules,
  runtimeRules,
  globalStateRules,
  iterationRules,
  payloadRules,
];

const referenceTable: ReadonlyMap<string, ReferenceRule> = new Map(
  RULE_FAMILIES.flatMap((f) => f.references ?? []).map((r) => [r.path, r]),
);

/** Shared per-program state: create once per Program (or once per build without one). */
export interface CheckSession {
  readonly options: ResolvedOptions;
  readonly program: ts.Program | undefined;
  readonly resolver: ReferenceResolver;
  readonly modules: ModuleClassifier;
  readonly api: ApiModules;
}

/** Creates the state that {@link checkSourceFile} reuses across files. */
export function createCheckSession(options: ResolvedOptions, program?: ts.Program): CheckSession {
  return {
    options,
    program,
    resolver: createReferenceResolver(program),
    modules: createModuleClassifier(options, program),
    api: apiModulesOf(options, program),
  };
}

/** True when `node` is the outermost element of a member chain (`a.b.c` as a whole). */
function isChainTop(node: ts.Node): boolean {
  let child = node;
  let p = node.parent;
  while (
    p &&
    (ts.isParenthesizedExpression(p) ||
      ts.isNonNullExpression(p) ||
      ts.isAsExpression(p) ||
      ts.isSatisfiesExpression(p))
  ) {
    child = p;
    p = p.parent;
  }
  return !(
    p &&
    (ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p)) &&
    p.expression === child
  );
}

function chainElements(top: ts.Expression): ts.Expression[] {
  const elements: ts.Expression[] = [top];
  let e = skipOuter(top);
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
    e = skipOuter(e.expression);
    elements.push(e);
  }
  return elements; // outermost first
}

/**
 * True for an identifier naming a same-file variable whose initializer holds the value: the
 * initializer is checked where it is written, so a use of the variable is not reported again
 * (`const pid = process.pid; return pid` is one error, not two). Destructured bindings and
 * imports are still reported at the use: their source (`Math`, another module) is not an error.
 */
function isPlainLocalAlias(element: ts.Expression, context: CheckContext): boolean {
  const e = skipOuter(element);
  if (!ts.isIdentifier(e)) return false;
  const r = context.resolver.resolveIdentifier(e);
  return (
    r.kind === "local" &&
    ts.isVariableDeclaration(r.declaration) &&
    ts.isIdentifier(r.declaration.name) &&
    r.declaration.getSourceFile() === context.sourceFile
  );
}

function checkReference(top: ts.Expression, context: CheckContext): void {
  for (const element of chainElements(top)) {
    if (isPlainLocalAlias(element, context)) return;
    const path = context.resolver.globalPath(element);
    if (path === undefined) continue;
    // longest matching prefix of this element's path
    let probe = path;
    for (;;) {
      const rule = referenceTable.get(probe);
      if (rule) {
        // name the resolved global only when the code does not spell it out (an alias)
        const text = element.getText(context.sourceFile);
        const spelled = text
          .replace(/^(globalThis|window|global|self)\./, "")
          .replace(/\[["'`](\w+)["'`]\]/g, ".$1");
        context.report(element, rule.code, spelled.startsWith(probe) ? undefined : `\`${text}\` is ${probe}`);
        return;
      }
      const dot = probe.lastIndexOf(".");
      if (dot < 0) break;
      probe = probe.slice(0, dot);
    }
    return; // the outermost resolvable element decides; inner elements are its prefixes
  }
}

/** Effects cannot run inside a sideEffect function: it runs once, outside the journal (CTM1511). */
function reportEffectsInside(fn: ts.Node, context: CheckContext): void {
  const walk = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const name = calledApiExport(node, context.api);
      if (name !== undefined && isEffectKind(name)) context.report(node, "CTM1511", `\`${name}\``);
    }
    ts.forEachChild(node, walk);
  };
  walk(fn);
}

/**
 * Checks one workflow or pure file and returns its determinism diagnostics (SPEC section 4).
 * Without a Program only the syntax rules run (vite, node loader). Any other file gets at most
 * CTM1520 warnings (a `workflow(...)` the transformer cannot stamp).
 *
 * @example
 * ```ts
 * const session = createCheckSession(resolveOptions({}, root), program);
 * for (const d of checkSourceFile(sf, session)) console.error(formatDiagnostic(d));
 * ```
 */
export function checkSourceFile(sf: ts.SourceFile, session: CheckSession): ContinuumDiagnostic[] {
  // a file the transformer leaves alone is only looked at for a workflow it cannot stamp (CTM1520)
  const classified = classifyFileWithReason(sf, session.options, session.api);
  if (classified.kind === FileKind.other) return unstampedWorkflowWarnings(sf, session.options, session.api);
  const why = `${sf.fileName.slice(sf.fileName.lastIndexOf("/") + 1)} is ${classified.kind === FileKind.pure ? "a pure module" : "workflow code"}: ${classified.reason ?? "see guides/determinism.md"}`;
  const diagnostics: ContinuumDiagnostic[] = [];
  const seen = new Set<string>();
  const checker = session.program?.getTypeChecker();
  const families = RULE_FAMILIES.filter((f) => f.visit && (!f.needsChecker || checker));
  const context: CheckContext = {
    sourceFile: sf,
    options: session.options,
    program: session.program,
    checker,
    resolver: session.resolver,
    modules: session.modules,
    api: session.api,
    report(node, code: RuleCode, detail) {
      const d = { ...diagnosticAt(sf, node, code, detail), why };
      const key = `${d.start}:${d.code}`;
      if (seen.has(key)) return;
      seen.add(key);
      diagnostics.push(d);
    },
    insideFunction(node) {
      for (let n = node.parent; n; n = n.parent)
        if (ts.isFunctionLike(n) || ts.isClassStaticBlockDeclaration(n)) return true;
      return false;
    },
  };
  const visit = (node: ts.Node): void => {
    if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return;
    if (
      ts.canHaveModifiers(node) &&
      ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)
    )
      return;
    if (ts.isCallExpression(node) && isDefineActivityCall(node, session.api)) return; // activity code may do anything
    if (ts.isCallExpression(node) && calledApiExport(node, session.api) === "sideEffect") {
      // sideEffect(fn) is the escape hatch: fn runs once and its result is recorded, so it may
      // read the clock or randomness; the call itself is still checked like any other
      for (const family of families) family.visit?.(node, context);
      visit(node.expression);
      for (const arg of node.arguments) {
        if (ts.isFunctionLike(skipOuter(arg))) reportEffectsInside(arg, context);
        else visit(arg);
      }
      return;
    }
    for (const family of families) family.visit?.(node, context);
    if (
      ts.isIdentifier(node)
        ? isReference(node) && isChainTop(node)
        : (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) && isChainTop(node)
    ) {
      checkReference(node as ts.Expression, context);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return diagnostics.sort((a, b) => a.start - b.start || a.code.localeCompare(b.code));
}
