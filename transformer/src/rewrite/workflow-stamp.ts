/**
 * The stamp injected into `workflow.stamped(stamp)`. Structurally identical to `WorkflowStamp`
 * in packages/core/src/model/identity.ts; redeclared because the transformer ships without a
 * runtime dependency on @continuum/core.
 */
export interface WorkflowStampLike {
  readonly format: 1;
  readonly versionHash: string;
  readonly cursors: readonly string[];
  readonly file: string;
  readonly line: number;
}
