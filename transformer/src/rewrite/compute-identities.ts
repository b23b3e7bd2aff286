import ts from "typescript";
import type { WorkflowStampLike } from "./workflow-stamp.ts";
import { apiModulesOf, type ApiModules } from "../syntax/api-modules.ts";
import { resolveOptions } from "../options.ts";
import { effectKindOfCall, isWorkflowCall, type EffectKindName } from "../syntax/api-reference.ts";
import { lookupIdentifier, skipOuter } from "../syntax/scope.ts";
import { cursorTarget } from "./cursor-target.ts";
import { versionHash } from "./version-hash.ts";

/** One stamped effect call. */
export interface EffectSite {
  readonly kind: EffectKindName;
  readonly target: string;
  readonly ordinal: number;
  readonly cursor: string;
  readonly call: ts.CallExpression;
  /** 1-based line and column of the call. */
  readonly line: number;
  readonly column: number;
  /** Index into {@link FileIdentities.workflows}, or `undefined` for a helper effect. */
  readonly workflow: number | undefined;
}

/** One `workflow(...)` definition and what its stamp will say. */
export interface WorkflowSite {
  readonly call: ts.CallExpression;
  readonly name: string | null;
  readonly version: number | null;
  readonly line: number;
  readonly column: number;
  readonly body: ts.Node | undefined;
  readonly effects: readonly EffectSite[];
  readonly stamp: WorkflowStampLike;
}

/** Everything the rewrite and the manifest need from one file. */
export interface FileIdentities {
  readonly file: string;
  readonly workflows: readonly WorkflowSite[];
  /** Effects outside every workflow body (helpers), in source order. */
  readonly helpers: readonly EffectSite[];
  readonly effectsByCall: ReadonlyMap<ts.CallExpression, EffectSite>;
  readonly workflowsByCall: ReadonlyMap<ts.CallExpression, WorkflowSite>;
}

function workflowBody(call: ts.CallExpression): ts.Node | undefined {
  for (let i = call.arguments.length - 1; i >= 0; i--) {
    const arg = skipOuter(call.arguments[i] as ts.Expression);
    if (ts.isArrowFunction(arg) || ts.isFunctionExpression(arg)) return arg;
    if (ts.isIdentifier(arg)) {
      const decl = lookupIdentifier(arg)?.declaration;
      if (decl && ts.isFunctionDeclaration(decl)) return decl;
      if (decl && ts.isVariableDeclaration(decl) && decl.initializer) {
        const init = skipOuter(decl.initializer);
        if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) return init;
      }
    }
  }
  return undefined;
}

function literalName(call: ts.CallExpression): string | null {
  const first = call.arguments[0] && skipOuter(call.arguments[0]);
  return first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))
    ? first.text
    : null;
}

function literalVersion(call: ts.CallExpression): number | null {
  const second = call.arguments[1] && skipOuter(call.arguments[1]);
  if (!second || !ts.isObjectLiteralExpression(second)) return null;
  for (const p of second.properties) {
    if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === "version") {
      const v = skipOuter(p.initializer);
      if (ts.isNumericLiteral(v)) return Number(v.text);
    }
  }
  return null;
}

function position(sf: ts.SourceFile, node: ts.Node): { line: number; column: number } {
  const lc = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  return { line: lc.line + 1, column: lc.character + 1 };
}

let fallbackApi: ApiModules | undefined;
/** API knowledge for callers without options: the nearest tsconfig of the working directory. */
function defaultApi(): ApiModules {
  return (fallbackApi ??= apiModulesOf(resolveOptions({}, process.cwd())));
}

/**
 * The one function from a source file to its effect cursors and workflow stamps (SPEC
 * section 2). Syntax and module resolution only (`api`, from the entry point's options): tspc,
 * vite, the node loader, the editor and the manifest all call it and therefore agree. `file` is
 * the path written into stamps (relative to the root).
 *
 * @example
 * ```ts
 * const ids = computeIdentities(ts.createSourceFile("a.ts", text, ts.ScriptTarget.Latest, true), "src/a.ts");
 * ids.workflows[0]?.stamp.cursors; // ["activity:payments.charge#0", "sleep:#0"]
 * ```
 */
export function computeIdentities(
  sf: ts.SourceFile,
  file: string,
  api: ApiModules = defaultApi(),
): FileIdentities {
  const workflowCalls: ts.CallExpression[] = [];
  const bodies = new Map<ts.Node, number>();
  const findWorkflows = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && isWorkflowCall(node, api)) {
      const body = workflowBody(node);
      if (body && !bodies.has(body)) bodies.set(body, workflowCalls.length);
      workflowCalls.push(node);
    }
    ts.forEachChild(node, findWorkflows);
  };
  findWorkflows(sf);

  const perWorkflow: EffectSite[][] = workflowCalls.map(() => []);
  const helpers: EffectSite[] = [];
  const effectsByCall = new Map<ts.CallExpression, EffectSite>();
  const counters = new Map<string, Map<string, number>>();

  const visit = (node: ts.Node, group: string, workflow: number | undefined): void => {
    const bodyIndex = bodies.get(node);
    if (bodyIndex !== undefined) {
      group = `workflow:${bodyIndex}`;
      workflow = bodyIndex;
    }
    if (ts.isCallExpression(node)) {
      const kind = effectKindOfCall(node, api);
      if (kind !== undefined) {
        const target = cursorTarget(kind, node, api);
        const key = `${kind}:${target}`;
        let groupCounters = counters.get(group);
        if (!groupCounters) counters.set(group, (groupCounters = new Map()));
        const ordinal = groupCounters.get(key) ?? 0;
        groupCounters.set(key, ordinal + 1);
        const site: EffectSite = {
          kind,
          target,
          ordinal,
          cursor: `${key}#${ordinal}`,
          call: node,
          ...position(sf, node),
          workflow,
        };
        effectsByCall.set(node, site);
        (workflow === undefined ? helpers : (perWorkflow[workflow] as EffectSite[])).push(site);
      }
    }
    ts.forEachChild(node, (child) => visit(child, group, workflow));
  };
  sf.statements.forEach((statement, index) => visit(statement, `statement:${index}`, undefined));

  const workflows = workflowCalls.map((call, index): WorkflowSite => {
    const body = [...bodies].find(([, i]) => i === index)?.[0];
    const effects = perWorkflow[index] ?? [];
    const cursors = effects.map((e) => e.cursor);
    const pos = position(sf, call);
    return {
      call,
      name: literalName(call),
      version: literalVersion(call),
      ...pos,
      body,
      effects,
      stamp: { format: 1, versionHash: versionHash(cursors), cursors, file, line: pos.line },
    };
  });
  return {
    file,
    workflows,
    helpers,
    effectsByCall,
    workflowsByCall: new Map(workflows.map((w) => [w.call, w])),
  };
}
