import ts from "typescript";
import type { RuleFamily } from "./rule-family.ts";

/** Wall-clock and high-resolution time (CTM1001-CTM1006). */
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
    }
  },
};
