import ts from "typescript";
import { apiExportOf, isEffectKind } from "../syntax/api-reference.ts";
import { isReference } from "../syntax/reference-position.ts";
import type { RuleFamily } from "./rule-family.ts";

/** Members through which hand-stamped code may use an effect (SPEC section 1). */
const STAMPING_MEMBERS: ReadonlySet<string> = new Set(["at", "stamped"]);

/**
 * An effect or `workflow` used as a value (`const run = activity`, `items.map(sleep)`) cannot be
 * stamped: the rewrite only sees direct calls, and the runtime rejects unstamped effects (CTM1510).
 */
export const effectUsageRules: RuleFamily = {
  name: "effect-usage",
  visit(node, context) {
    // `activity` (named import) or `wf.activity` (namespace import); a namespace identifier
    // itself resolves to no export, so `wf` alone is never reported
    const isName = ts.isIdentifier(node) && isReference(node);
    const isMember = ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression);
    if (!isName && !isMember) return;
    const name = apiExportOf(node as ts.Expression, context.api);
    if (name === undefined || (name !== "workflow" && !isEffectKind(name))) return;
    const parent = node.parent;
    if (ts.isCallExpression(parent) && parent.expression === node) return;
    if (
      ts.isPropertyAccessExpression(parent) &&
      parent.expression === node &&
      STAMPING_MEMBERS.has(parent.name.text)
    )
      return;
    if (ts.isExportSpecifier(parent) || ts.isTypeQueryNode(parent)) return;
    context.report(node, "CTM1510", `\`${node.getText(context.sourceFile)}\``);
  },
};
