import ts from "typescript";
import { classifyFile, FileKind } from "../classify/file-kind.ts";
import { skipOuter } from "../syntax/scope.ts";
import type { CheckContext, RuleFamily } from "./rule-family.ts";

function isArrayLike(type: ts.Type, checker: ts.TypeChecker): boolean {
  if (type.isUnion()) return type.types.every((t) => isArrayLike(t, checker));
  return checker.isArrayType(type) || checker.isTupleType(type);
}

/** True when the call invokes an async generator declared in workflow or pure code. */
function isLocalAsyncGenerator(expr: ts.Expression, context: CheckContext): boolean {
  const e = skipOuter(expr);
  if (!ts.isCallExpression(e)) return false;
  const decl = context.resolver.declarationOf(e.expression);
  let fn: ts.Node | undefined = decl;
  if (decl && ts.isVariableDeclaration(decl) && decl.initializer) fn = skipOuter(decl.initializer);
  if (!fn || !(ts.isFunctionDeclaration(fn) || ts.isFunctionExpression(fn) || ts.isMethodDeclaration(fn)))
    return false;
  const isAsync = ts.getCombinedModifierFlags(fn) & ts.ModifierFlags.Async;
  if (!fn.asteriskToken || !isAsync) return false;
  const sf = fn.getSourceFile();
  return (
    !context.resolver.isLibraryFile(sf) && classifyFile(sf, context.options, context.api) !== FileKind.other
  );
}

/** `for await` over something that is not an effect (CTM1801); needs types. */
export const iterationRules: RuleFamily = {
  name: "iteration",
  needsChecker: true,
  visit(node, context) {
    if (!ts.isForOfStatement(node) || !node.awaitModifier || !context.checker) return;
    const source = node.expression;
    if (ts.isArrayLiteralExpression(skipOuter(source))) return;
    if (isArrayLike(context.checker.getTypeAtLocation(source), context.checker)) return;
    if (isLocalAsyncGenerator(source, context)) return;
    context.report(source, "CTM1801", `\`${source.getText(context.sourceFile)}\``);
  },
};
