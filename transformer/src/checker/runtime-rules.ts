import ts from "typescript";
import { skipOuter } from "../syntax/scope.ts";
import type { RuleFamily } from "./rule-family.ts";

/** Global objects with banned members: reading them by a computed key could reach one. */
const GUARDED_OBJECTS: ReadonlySet<string> = new Set([
  "globalThis",
  "Math",
  "Date",
  "crypto",
  "performance",
  "process",
  "console",
  "Atomics",
  "Temporal",
  "Temporal.Now",
]);
/** Reflective reads that reach a member without naming it statically. */
const REFLECTIVE_READS: ReadonlySet<string> = new Set([
  "Reflect.get",
  "Reflect.getOwnPropertyDescriptor",
  "Object.getOwnPropertyDescriptor",
  "Object.getOwnPropertyDescriptors",
  "Object.values",
  "Object.entries",
  "Object.getOwnPropertyNames",
  "Object.getPrototypeOf",
]);

/** GC-observable objects, blocking waits and code evaluation (CTM1601-CTM1606). */
export const runtimeRules: RuleFamily = {
  name: "runtime",
  references: [
    { path: "WeakRef", code: "CTM1601" },
    { path: "FinalizationRegistry", code: "CTM1602" },
    { path: "Atomics.wait", code: "CTM1603" },
    { path: "Atomics.waitAsync", code: "CTM1603" },
    { path: "eval", code: "CTM1604" },
  ],
  visit(node, context) {
    if (
      (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
      context.resolver.globalPath(node.expression) === "Function"
    ) {
      context.report(node, "CTM1605");
    } else if (ts.isElementAccessExpression(node)) {
      const key = skipOuter(node.argumentExpression);
      if (!ts.isStringLiteral(key) && !ts.isNoSubstitutionTemplateLiteral(key) && !ts.isNumericLiteral(key)) {
        const base = context.resolver.globalPath(node.expression);
        if (base !== undefined && GUARDED_OBJECTS.has(base))
          context.report(node, "CTM1606", `\`${node.getText(context.sourceFile)}\``);
      }
    } else if (
      ts.isCallExpression(node) &&
      node.arguments[0] &&
      REFLECTIVE_READS.has(context.resolver.globalPath(node.expression) ?? "")
    ) {
      const target = context.resolver.globalPath(node.arguments[0]);
      if (target !== undefined && GUARDED_OBJECTS.has(target))
        context.report(node, "CTM1606", `\`${node.getText(context.sourceFile)}\``);
    }
  },
};
