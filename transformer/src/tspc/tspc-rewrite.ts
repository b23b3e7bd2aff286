import type ts from "typescript";
import { createRewriteTransformer } from "../rewrite/rewrite-transformer.ts";
import { optionsForProgram } from "./program-files.ts";

/**
 * ts-patch source transformer (a `before` transformer): injects `.at(cursor)` into every effect
 * call and `.stamped(stamp)` into every `workflow(...)` of workflow and pure files.
 *
 * @example
 * ```jsonc
 * // tsconfig.json
 * { "compilerOptions": { "plugins": [{ "transform": "@continuum/transformer/tspc-rewrite" }] } }
 * ```
 */
export default function continuumRewrite(
  program: ts.Program,
  config: Record<string, unknown>,
): { before: ts.TransformerFactory<ts.SourceFile>[] } {
  const options = optionsForProgram(config, program.getCompilerOptions(), program.getCurrentDirectory());
  return { before: [createRewriteTransformer({ options, program })] };
}
