import ts from "typescript";
import { classifyFile, FileKind } from "../classify/file-kind.ts";
import { apiModulesOf } from "../syntax/api-modules.ts";
import { relativeFile, type ResolvedOptions } from "../options.ts";
import { computeIdentities, type FileIdentities } from "./compute-identities.ts";
import type { WorkflowStampLike } from "./workflow-stamp.ts";

/** Configuration of {@link createRewriteTransformer}. */
export interface RewriteConfig {
  readonly options: ResolvedOptions;
  /** The program (tspc): names syntax cannot place are then asked of its type checker. */
  readonly program?: ts.Program;
  /** Called with the identities of every rewritten file (the manifest collects them). */
  readonly onFile?: (identities: FileIdentities) => void;
}

function stampLiteral(f: ts.NodeFactory, stamp: WorkflowStampLike): ts.ObjectLiteralExpression {
  return f.createObjectLiteralExpression([
    f.createPropertyAssignment("format", f.createNumericLiteral(stamp.format)),
    f.createPropertyAssignment("versionHash", f.createStringLiteral(stamp.versionHash)),
    f.createPropertyAssignment(
      "cursors",
      f.createArrayLiteralExpression(stamp.cursors.map((c) => f.createStringLiteral(c))),
    ),
    f.createPropertyAssignment("file", f.createStringLiteral(stamp.file)),
    f.createPropertyAssignment("line", f.createNumericLiteral(stamp.line)),
  ]);
}

/**
 * Rewrites a file's identities into its AST (SPEC sections 1 and 5): `effect(...)` becomes
 * `effect.at(cursor)(...)` and `workflow(...)` becomes `workflow.stamped(stamp)(...)`. Nodes keep
 * their original text ranges, so source maps point at the lines the user wrote.
 */
export function rewriteSourceFile(
  sf: ts.SourceFile,
  identities: FileIdentities,
  context: ts.TransformationContext,
): ts.SourceFile {
  if (identities.effectsByCall.size === 0 && identities.workflowsByCall.size === 0) return sf;
  const f = context.factory;
  const visitor = (node: ts.Node): ts.Node => {
    if (ts.isCallExpression(node)) {
      const original = ts.getOriginalNode(node) as ts.CallExpression;
      const effect = identities.effectsByCall.get(original);
      const workflow = identities.workflowsByCall.get(original);
      if (effect || workflow) {
        const callee = ts.visitNode(node.expression, visitor, ts.isExpression) as ts.Expression;
        const args = ts.visitNodes(node.arguments, visitor, ts.isExpression);
        const method = effect ? "at" : "stamped";
        const injected = effect
          ? f.createStringLiteral(effect.cursor)
          : stampLiteral(f, (workflow as { stamp: WorkflowStampLike }).stamp);
        const access = ts.setTextRange(f.createPropertyAccessExpression(callee, method), node.expression);
        const bound = ts.setTextRange(f.createCallExpression(access, undefined, [injected]), node.expression);
        return f.updateCallExpression(node, bound, node.typeArguments, args);
      }
    }
    return ts.visitEachChild(node, visitor, context);
  };
  return ts.visitEachChild(sf, visitor, context);
}

/**
 * A `before` transformer factory for workflow and pure files; other files pass through.
 *
 * @example
 * ```ts
 * ts.transpileModule(code, { fileName, transformers: { before: [createRewriteTransformer({ options })] } });
 * ```
 */
export function createRewriteTransformer(config: RewriteConfig): ts.TransformerFactory<ts.SourceFile> {
  return (context) => (sf) => {
    const original = (ts.getOriginalNode(sf) as ts.SourceFile | undefined) ?? sf;
    const api = apiModulesOf(config.options, config.program);
    if (classifyFile(original, config.options, api) === FileKind.other) return sf;
    const identities = computeIdentities(original, relativeFile(config.options, original.fileName), api);
    config.onFile?.(identities);
    return rewriteSourceFile(sf, identities, context);
  };
}
