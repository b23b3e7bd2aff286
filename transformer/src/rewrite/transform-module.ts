import ts from "typescript";
import { checkSourceFile, createCheckSession, type CheckSession } from "../checker/check-source-file.ts";
import type { ContinuumDiagnostic } from "../checker/continuum-diagnostic.ts";
import { unstampedWorkflowWarnings } from "../checker/unstamped-workflow.ts";
import { DeterminismError } from "../determinism-error.ts";
import { classifyFile, FileKind } from "../classify/file-kind.ts";
import type { ResolvedOptions } from "../options.ts";
import type { FileIdentities } from "./compute-identities.ts";
import { createRewriteTransformer } from "./rewrite-transformer.ts";

/** Result of {@link transformModule}. */
export type TransformModuleResult =
  | {
      readonly kind: "skipped";
      /** CTM1520 warnings: the file defines a workflow the transformer cannot stamp. */
      readonly warnings: readonly ContinuumDiagnostic[];
    }
  | {
      readonly kind: "rejected";
      readonly diagnostics: readonly ContinuumDiagnostic[];
      readonly error: DeterminismError;
    }
  | {
      readonly kind: "transformed";
      readonly code: string;
      readonly map: string | undefined;
      readonly identities: FileIdentities | undefined;
    };

/** Output flavour of {@link transformModule}. */
export interface TransformModuleConfig {
  readonly options: ResolvedOptions;
  readonly session?: CheckSession;
  readonly module?: "esm" | "commonjs";
  /** Inline the source map into the code (node loader) instead of returning it (vite). */
  readonly inlineSourceMap?: boolean;
}

/**
 * The checker-less path shared by vite and the node loader: classify, run the syntax rules,
 * then `ts.transpileModule` with the rewrite as a `before` transformer. Files that are not
 * workflow or pure code are `skipped` (the host compiles them as usual).
 *
 * @example
 * ```ts
 * const r = transformModule(code, "/app/src/order.workflow.ts", { options });
 * if (r.kind === "rejected") throw r.error;
 * ```
 */
export function transformModule(
  code: string,
  fileName: string,
  config: TransformModuleConfig,
): TransformModuleResult {
  const sf = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true);
  if (classifyFile(sf, config.options) === FileKind.other)
    return { kind: "skipped", warnings: unstampedWorkflowWarnings(sf, config.options) };
  const diagnostics = checkSourceFile(sf, config.session ?? createCheckSession(config.options)).filter(
    (d) => d.severity === "error",
  );
  if (diagnostics.length > 0) {
    return { kind: "rejected", diagnostics, error: new DeterminismError(fileName, diagnostics) };
  }
  let identities: FileIdentities | undefined;
  const out = ts.transpileModule(code, {
    fileName,
    compilerOptions: {
      target: ts.ScriptTarget.ES2023,
      module: config.module === "commonjs" ? ts.ModuleKind.CommonJS : ts.ModuleKind.ESNext,
      sourceMap: !config.inlineSourceMap,
      inlineSourceMap: config.inlineSourceMap === true,
      inlineSources: true,
      useDefineForClassFields: true,
      jsx: ts.JsxEmit.Preserve,
    },
    transformers: {
      before: [createRewriteTransformer({ options: config.options, onFile: (ids) => (identities = ids) })],
    },
  });
  const code2 = config.inlineSourceMap
    ? out.outputText
    : out.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
  return { kind: "transformed", code: code2, map: out.sourceMapText, identities };
}
