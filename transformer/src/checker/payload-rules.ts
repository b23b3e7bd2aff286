import ts from "typescript";
import { calledApiExport } from "../syntax/api-reference.ts";
import { skipOuter } from "../syntax/scope.ts";
import { whyNotRoundTrippable } from "./payload-type.ts";
import type { RuleCode } from "./rule-codes.ts";
import type { CheckContext, RuleFamily } from "./rule-family.ts";

/** Keys of the per-call options object that effects accept after their payload arguments. */
const OPTION_KEYS: ReadonlySet<string> = new Set([
  "compensate",
  "retry",
  "timeoutMs",
  "startToCloseMs",
  "heartbeatTimeoutMs",
  "idempotencyKey",
  "timeout",
  "id",
  "workflowId",
  "taskQueue",
]);

function isOptionsArgument(arg: ts.Expression, checker: ts.TypeChecker): boolean {
  const e = skipOuter(arg);
  if (!ts.isObjectLiteralExpression(e)) return false;
  const contextual = checker.getContextualType(e);
  const typeName = contextual?.aliasSymbol?.name ?? contextual?.getSymbol()?.name ?? "";
  if (/Options$/.test(typeName)) return true;
  return (
    e.properties.length > 0 &&
    e.properties.every((p) => p.name !== undefined && ts.isIdentifier(p.name) && OPTION_KEYS.has(p.name.text))
  );
}

function check(context: CheckContext, node: ts.Node, type: ts.Type, code: RuleCode, what: string): void {
  const checker = context.checker as ts.TypeChecker;
  const why = whyNotRoundTrippable(type, checker, context.resolver.isLibraryFile, node);
  if (why)
    context.report(node, code, `${what}: ${why.replace(/^\./, "")} (type ${checker.typeToString(type)})`);
}

function awaitedTypeOf(node: ts.Expression, checker: ts.TypeChecker): ts.Type {
  const type = checker.getTypeAtLocation(node);
  return checker.getAwaitedType(type) ?? type;
}

function withoutSymbols(type: ts.Type): ts.Type[] {
  return type.isUnion() ? type.types.filter((t) => !(t.flags & ts.TypeFlags.ESSymbolLike)) : [type];
}

function checkArguments(call: ts.CallExpression, context: CheckContext, code: RuleCode, label: string): void {
  const checker = context.checker as ts.TypeChecker;
  call.arguments.forEach((arg, index) => {
    if (index === 0 || isOptionsArgument(arg, checker)) return;
    check(context, arg, checker.getTypeAtLocation(arg), code, `${label} argument ${index}`);
  });
}

function checkWorkflow(call: ts.CallExpression, context: CheckContext): void {
  const checker = context.checker as ts.TypeChecker;
  const body = [...call.arguments]
    .reverse()
    .map((a) => skipOuter(a))
    .find((a) => ts.isArrowFunction(a) || ts.isFunctionExpression(a) || ts.isIdentifier(a));
  if (!body) return;
  const signature = checker.getSignaturesOfType(checker.getTypeAtLocation(body), ts.SignatureKind.Call)[0];
  if (!signature) return;
  signature.getParameters().forEach((param, index) => {
    const decl = param.valueDeclaration;
    // report at the parameter when it is written in this file (the body may be imported)
    const at = decl && ts.isParameter(decl) && decl.getSourceFile() === context.sourceFile ? decl : body;
    check(
      context,
      at,
      checker.getTypeOfSymbolAtLocation(param, body),
      "CTM1904",
      `input ${index === 0 ? "" : `parameter ${index + 1} `}`.trim(),
    );
  });
  const result = checker.getAwaitedType(signature.getReturnType()) ?? signature.getReturnType();
  check(context, body, result, "CTM1905", "result");
}

/** Payload types the codec cannot round-trip (CTM1901-CTM1906); needs types. */
export const payloadRules: RuleFamily = {
  name: "payload",
  needsChecker: true,
  visit(node, context) {
    if (!ts.isCallExpression(node) || !context.checker) return;
    const api = calledApiExport(node, context.api);
    switch (api) {
      case "activity":
        checkArguments(node, context, "CTM1901", "activity");
        check(context, node, awaitedTypeOf(node, context.checker), "CTM1902", "activity result");
        return;
      case "signal": {
        // the declared payload type; without one, the awaited result minus the API's timeout
        // sentinel (a unique symbol that never travels through the codec)
        const declared = node.typeArguments?.[0];
        const payload = declared
          ? [context.checker.getTypeFromTypeNode(declared)]
          : withoutSymbols(awaitedTypeOf(node, context.checker));
        for (const type of payload) check(context, declared ?? node, type, "CTM1903", "signal payload");
        return;
      }
      case "workflow":
        checkWorkflow(node, context);
        return;
      case "child":
        checkArguments(node, context, "CTM1906", "child");
        check(context, node, awaitedTypeOf(node, context.checker), "CTM1906", "child result");
        return;
      case "startChild":
        checkArguments(node, context, "CTM1906", "child");
        return;
      default:
        return;
    }
  },
};
