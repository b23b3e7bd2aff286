import ts from "typescript";
import { relativeFile, type ResolvedOptions } from "../options.ts";
import { apiModulesOf, type ApiModules } from "../syntax/api-modules.ts";
import { matchesAnyGlob } from "../syntax/glob.ts";
import { importBindingOf, lookupIdentifier, skipOuter, type ImportBinding } from "../syntax/scope.ts";
import { diagnosticAt, type ContinuumDiagnostic } from "./continuum-diagnostic.ts";

const WORKFLOW = "workflow";

/** The import binding at the root of `workflow(...)` / `wf.workflow(...)`, when the callee looks like the API's. */
function workflowLikeCallee(call: ts.CallExpression): ImportBinding | undefined {
  const callee = skipOuter(call.expression);
  let root: ts.Identifier | undefined;
  if (ts.isIdentifier(callee) && callee.text === WORKFLOW) root = callee;
  else if (
    ts.isPropertyAccessExpression(callee) &&
    callee.name.text === WORKFLOW &&
    ts.isIdentifier(callee.expression)
  )
    root = callee.expression;
  const hit = root ? lookupIdentifier(root) : undefined;
  const binding = hit ? importBindingOf(hit.declaration) : undefined;
  if (!binding || binding.typeOnly) return undefined;
  // `x.workflow(...)` looks like the API only on a namespace import (`client.workflow(...)` on
  // an imported object is some other library's method)
  return root === callee || binding.imported === "*" ? binding : undefined;
}

/**
 * CTM1520 (a warning): a file that is not workflow code to the transformer (so nothing in it is
 * checked or stamped) but defines a workflow all the same: it calls `workflow(...)` (or
 * `x.workflow(...)`) imported from a module that does not resolve to the workflow API, or
 * imports `workflow` from such a module. Without the warning the mistake (a facade the
 * transformer cannot see through, a `paths` alias of another tsconfig) shows only at run time,
 * when the engine refuses every unstamped workflow. Files matching `exclude` are not reported.
 *
 * @example
 * ```ts
 * unstampedWorkflowWarnings(sf, options); // [{ code: "CTM1520", severity: "warning", ... }]
 * ```
 */
export function unstampedWorkflowWarnings(
  sf: ts.SourceFile,
  options: ResolvedOptions,
  api: ApiModules = apiModulesOf(options),
): ContinuumDiagnostic[] {
  if (!sf.text.includes(WORKFLOW)) return [];
  if (options.exclude.length > 0 && matchesAnyGlob(relativeFile(options, sf.fileName), options.exclude))
    return [];
  const notApi = (binding: ImportBinding, name: string): boolean =>
    api.exportOf(binding.module, name, sf.fileName) === undefined;
  const found: ContinuumDiagnostic[] = [];
  const reported = new Set<ts.ImportDeclaration>();
  const walk = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const binding = workflowLikeCallee(node);
      const name = binding?.imported === "*" ? WORKFLOW : binding?.imported;
      if (binding && name !== undefined && name !== "default" && notApi(binding, name)) {
        reported.add(binding.declaration);
        found.push(
          diagnosticAt(sf, node.expression, "CTM1520", `\`${WORKFLOW}\` comes from "${binding.module}"`),
        );
      }
    }
    ts.forEachChild(node, walk);
  };
  walk(sf);
  for (const statement of sf.statements) {
    if (!ts.isImportDeclaration(statement) || reported.has(statement)) continue;
    const nb = statement.importClause?.namedBindings;
    if (statement.importClause?.isTypeOnly || !nb || !ts.isNamedImports(nb)) continue;
    for (const element of nb.elements) {
      const binding = importBindingOf(element);
      if (!binding || binding.typeOnly || binding.imported !== WORKFLOW || !notApi(binding, WORKFLOW))
        continue;
      found.push(
        diagnosticAt(
          sf,
          statement.moduleSpecifier,
          "CTM1520",
          `\`${WORKFLOW}\` comes from "${binding.module}"`,
        ),
      );
    }
  }
  return found.sort((a, b) => a.start - b.start);
}
