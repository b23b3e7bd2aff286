/**
 * @continuum/transformer: Continuum's build-time determinism checker and effect-identity
 * stamper. Entry points live in subpaths (`/tspc-check`, `/tspc-rewrite`, `/vite`, `/register`,
 * `/tsserver`); this module exports the shared building blocks.
 *
 * @example
 * ```ts
 * import { computeIdentities, checkSourceFile, createCheckSession, resolveOptions } from "@continuum/transformer";
 * ```
 */
export {
  resolveOptions,
  relativeFile,
  API_MODULES,
  type ContinuumTransformerOptions,
  type ResolvedOptions,
} from "./options.ts";
export { classifyFile, FileKind, isTransformableFileName } from "./classify/file-kind.ts";
export { createModuleClassifier, ModuleKind, type ModuleClassifier } from "./classify/module-kind.ts";
export {
  computeIdentities,
  type EffectSite,
  type FileIdentities,
  type WorkflowSite,
} from "./rewrite/compute-identities.ts";
export {
  createRewriteTransformer,
  rewriteSourceFile,
  type RewriteConfig,
} from "./rewrite/rewrite-transformer.ts";
export { versionHash } from "./rewrite/version-hash.ts";
export type { WorkflowStampLike } from "./rewrite/workflow-stamp.ts";
export {
  checkSourceFile,
  createCheckSession,
  RULE_FAMILIES,
  type CheckSession,
} from "./checker/check-source-file.ts";
export {
  formatDiagnostic,
  toTsDiagnostic,
  type ContinuumDiagnostic,
} from "./checker/continuum-diagnostic.ts";
export { Rules, tsCodeOf, type RuleCode } from "./checker/rule-codes.ts";
export { EFFECT_KINDS, type EffectKindName } from "./syntax/api-reference.ts";
export { apiModulesOf, createApiModules, API_MODULE_NAMES, type ApiModules } from "./syntax/api-modules.ts";
export {
  createModuleResolver,
  loadCompilerOptions,
  type ModuleResolver,
  type ResolvedModuleFile,
} from "./syntax/module-resolution.ts";
export { unstampedWorkflowWarnings } from "./checker/unstamped-workflow.ts";
export { DeterminismError, DETERMINISM_ERROR_CODE } from "./determinism-error.ts";
export {
  transformModule,
  type TransformModuleConfig,
  type TransformModuleResult,
} from "./rewrite/transform-module.ts";
export {
  buildManifest,
  writeManifest,
  manifestPath,
  type Manifest,
  type ManifestWorkflow,
  type ManifestCursor,
} from "./manifest/manifest.ts";
