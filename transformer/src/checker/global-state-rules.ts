import ts from "typescript";
import { lookupIdentifier, skipOuter } from "../syntax/scope.ts";
import type { CheckContext, RuleFamily } from "./rule-family.ts";

const MUTATORS: ReadonlySet<string> = new Set([
  "push",
  "pop",
  "shift",
  "unshift",
  "splice",
  "sort",
  "reverse",
  "fill",
  "copyWithin",
  "set",
  "add",
  "delete",
  "clear",
]);
const OBJECT_MUTATORS: ReadonlySet<string> = new Set([
  "Object.assign",
  "Object.defineProperty",
  "Object.defineProperties",
  "Object.setPrototypeOf",
  "Reflect.set",
  "Reflect.defineProperty",
  "Reflect.deleteProperty",
  "Reflect.setPrototypeOf",
]);

function isAssignmentOperator(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}

/** The identifier a member chain starts at (`cache` for `cache.a[b].c`), stopping at calls. */
function chainRoot(expr: ts.Expression): ts.Identifier | undefined {
  let e = skipOuter(expr);
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = skipOuter(e.expression);
  return ts.isIdentifier(e) ? e : undefined;
}

function isNamespaceImport(id: ts.Identifier): boolean {
  const hit = lookupIdentifier(id);
  return hit !== undefined && ts.isNamespaceImport(hit.declaration);
}

function isModuleLevel(id: ts.Identifier): boolean {
  const hit = lookupIdentifier(id);
  return hit !== undefined && (ts.isSourceFile(hit.scope) || ts.isModuleBlock(hit.scope));
}

/** Reports a write to `target`: a module-level binding, a member of one, or a global. */
function checkWriteTarget(target: ts.Expression, at: ts.Node, context: CheckContext): void {
  const e = skipOuter(target);
  if (ts.isIdentifier(e)) {
    if (isModuleLevel(e)) context.report(at, "CTM1701", `\`${e.text}\``);
    return;
  }
  if (ts.isArrayLiteralExpression(e)) {
    for (const element of e.elements)
      checkWriteTarget(ts.isSpreadElement(element) ? element.expression : element, element, context);
    return;
  }
  if (ts.isObjectLiteralExpression(e)) {
    for (const p of e.properties) {
      if (ts.isShorthandPropertyAssignment(p)) checkWriteTarget(p.name, p, context);
      else if (ts.isPropertyAssignment(p)) checkWriteTarget(p.initializer, p, context);
      else if (ts.isSpreadAssignment(p)) checkWriteTarget(p.expression, p, context);
    }
    return;
  }
  if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
    if (context.resolver.globalPath(e.expression) === "globalThis") {
      context.report(at, "CTM1703");
      return;
    }
    const root = chainRoot(e);
    if (root && isModuleLevel(root)) context.report(at, "CTM1702", `\`${root.text}\``);
  }
}

/** Mutation of module-level state and globals from inside functions (CTM1701-CTM1703). */
export const globalStateRules: RuleFamily = {
  name: "global-state",
  visit(node, context) {
    if (ts.isBinaryExpression(node) && isAssignmentOperator(node.operatorToken.kind)) {
      if (context.insideFunction(node)) checkWriteTarget(node.left, node, context);
    } else if (
      (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
      (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)
    ) {
      if (context.insideFunction(node)) checkWriteTarget(node.operand, node, context);
    } else if (ts.isDeleteExpression(node)) {
      if (context.insideFunction(node)) checkWriteTarget(node.expression, node, context);
    } else if (ts.isCallExpression(node) && context.insideFunction(node)) {
      const callee = skipOuter(node.expression);
      if (ts.isPropertyAccessExpression(callee) && MUTATORS.has(callee.name.text)) {
        const root = chainRoot(callee.expression);
        // `ns.set(x)` on a namespace import calls an exported function; it mutates nothing here.
        const namespaceCall =
          root !== undefined && skipOuter(callee.expression) === root && isNamespaceImport(root);
        if (root && !namespaceCall && isModuleLevel(root)) {
          context.report(node, "CTM1702", `\`${root.text}.${callee.name.text}()\``);
        }
      } else if (node.arguments[0] && OBJECT_MUTATORS.has(context.resolver.globalPath(callee) ?? "")) {
        const target = node.arguments[0];
        const root = chainRoot(target);
        if (context.resolver.globalPath(target) === "globalThis") context.report(node, "CTM1703");
        else if (root && isModuleLevel(root)) context.report(node, "CTM1702", `\`${root.text}\``);
      }
    }
  },
};
