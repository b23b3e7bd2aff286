import ts from "typescript";
import { skipOuter } from "../syntax/scope.ts";
import type { CheckContext, RuleFamily } from "./rule-family.ts";

/** The formatter methods that format the current time when no date is passed. */
const CLOCK_READING_FORMATS: ReadonlySet<string> = new Set(["format", "formatToParts"]);

/** True when a call passes no date: `format()` or `format(undefined)` both format `Date.now()`. */
function passesNoDate(call: ts.CallExpression): boolean {
  const [first] = call.arguments;
  if (first === undefined) return true;
  const arg = skipOuter(first);
  return (
    (ts.isIdentifier(arg) && arg.text === "undefined") ||
    (ts.isVoidExpression(arg) && ts.isLiteralExpression(skipOuter(arg.expression)))
  );
}

/** `new Intl.DateTimeFormat(...)` or `Intl.DateTimeFormat(...)` (the constructor works without `new`). */
function constructsDateTimeFormat(expr: ts.Expression, context: CheckContext): boolean {
  const e = skipOuter(expr);
  return (
    (ts.isNewExpression(e) || ts.isCallExpression(e)) &&
    context.resolver.globalPath(e.expression) === "Intl.DateTimeFormat"
  );
}

/**
 * True when `receiver` is an `Intl.DateTimeFormat`: built in place, a same-file `const` built
 * from the constructor (syntax, so the vite path agrees), or anything the checker types as one.
 */
function isDateTimeFormat(receiver: ts.Expression, context: CheckContext): boolean {
  if (constructsDateTimeFormat(receiver, context)) return true;
  const e = skipOuter(receiver);
  if (ts.isIdentifier(e)) {
    const r = context.resolver.resolveIdentifier(e);
    if (
      r.kind === "local" &&
      ts.isVariableDeclaration(r.declaration) &&
      r.declaration.initializer !== undefined &&
      ts.getCombinedNodeFlags(r.declaration) & ts.NodeFlags.Const &&
      constructsDateTimeFormat(r.declaration.initializer, context)
    )
      return true;
  }
  const checker = context.checker;
  if (checker === undefined) return false;
  const symbol = checker.getTypeAtLocation(receiver).getSymbol();
  return symbol !== undefined && checker.getFullyQualifiedName(symbol) === "Intl.DateTimeFormat";
}

/** Wall-clock and high-resolution time (CTM1001-CTM1007). */
export const timeRules: RuleFamily = {
  name: "time",
  references: [
    { path: "Date.now", code: "CTM1001" },
    { path: "performance", code: "CTM1004" },
    { path: "process.hrtime", code: "CTM1005" },
    { path: "process.uptime", code: "CTM1005" },
    { path: "Temporal.Now", code: "CTM1006" },
  ],
  visit(node, context) {
    if (ts.isNewExpression(node) && (node.arguments === undefined || node.arguments.length === 0)) {
      if (context.resolver.globalPath(node.expression) === "Date") context.report(node, "CTM1002");
    } else if (ts.isCallExpression(node) && context.resolver.globalPath(node.expression) === "Date") {
      context.report(node, "CTM1003");
    } else if (ts.isCallExpression(node) && passesNoDate(node)) {
      const callee = skipOuter(node.expression);
      if (
        ts.isPropertyAccessExpression(callee) &&
        CLOCK_READING_FORMATS.has(callee.name.text) &&
        isDateTimeFormat(callee.expression, context)
      )
        context.report(node, "CTM1007", `\`${callee.name.text}()\` with no date`);
    }
  },
};
