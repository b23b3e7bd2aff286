import type ts from "typescript";
import type { ModuleClassifier } from "../classify/module-kind.ts";
import type { ResolvedOptions } from "../options.ts";
import type { ApiModules } from "../syntax/api-modules.ts";
import type { ReferenceResolver } from "./reference-resolver.ts";
import type { RuleCode } from "./rule-codes.ts";

/** A banned global, matched by resolved path (`Date.now`, `process`, `console`). */
export interface ReferenceRule {
  /** The longest matching path wins: `process.env` beats `process`. */
  readonly path: string;
  readonly code: RuleCode;
}

/** What a rule sees while the checker walks one file. */
export interface CheckContext {
  readonly sourceFile: ts.SourceFile;
  readonly options: ResolvedOptions;
  readonly program: ts.Program | undefined;
  readonly checker: ts.TypeChecker | undefined;
  readonly resolver: ReferenceResolver;
  readonly modules: ModuleClassifier;
  /** Which modules are the workflow API (facades and `paths` aliases included). */
  readonly api: ApiModules;
  report(node: ts.Node, code: RuleCode, detail?: string): void;
  /** True when `node` is inside a function (not module top-level code). */
  insideFunction(node: ts.Node): boolean;
}

/**
 * One family of rules (one file each under src/checker/). Families either list banned
 * references, which the walker matches for them, or inspect nodes in `visit`, or both.
 */
export interface RuleFamily {
  readonly name: string;
  readonly references?: readonly ReferenceRule[];
  /** Families that need type information run only when a Program is available. */
  readonly needsChecker?: boolean;
  visit?(node: ts.Node, context: CheckContext): void;
}
