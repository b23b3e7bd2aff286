import type { CancelledError } from "../errors/workflow-errors.ts";

/**
 * One cancellation scope of a run: the run itself (the root), a `nonCancellable(fn)` block
 * (shielded: a cancellation of an enclosing scope does not reach it) or a `cancellable(fn)`
 * block (cancelled with its parent, by its handle's `cancel()`, or by its timeout).
 *
 * Every wait records the scope its effect was started in; cancelling a scope rejects the waits
 * of the scope and of every scope below it that is not shielded, and every effect started in a
 * cancelled scope afterwards is rejected at once. Nothing here is journaled: a scope is
 * cancelled by the run's own code (`cancel()`), by a journaled event (the run's
 * `cancel_requested`) or by a journaled timer, so replay derives the same cancellations at the
 * same points.
 */
export interface CancellationScope {
  readonly parent: CancellationScope | undefined;
  /** A `nonCancellable` scope: cancellations from enclosing scopes stop here. */
  readonly shielded: boolean;
  /** Set once the scope is cancelled: the error its effects are rejected with. */
  cancelled: CancelledError | undefined;
  /** Child scopes still running (removed when their function settles). */
  readonly children: Set<CancellationScope>;
}

/** The root scope of a run. */
export function rootScope(): CancellationScope {
  return { parent: undefined, shielded: false, cancelled: undefined, children: new Set() };
}

/**
 * Opens a scope under `parent`. A cancellable scope opened inside a cancelled one starts
 * cancelled (its effects are rejected at once); a shielded one never does.
 */
export function openScope(parent: CancellationScope, shielded: boolean): CancellationScope {
  const scope: CancellationScope = {
    parent,
    shielded,
    cancelled: shielded ? undefined : parent.cancelled,
    children: new Set(),
  };
  parent.children.add(scope);
  return scope;
}

/** The scope's function settled: cancelling its parent no longer concerns it. */
export function closeScope(scope: CancellationScope): void {
  scope.parent?.children.delete(scope);
}

/**
 * Cancels `scope` and the scopes below it that are not shielded. Returns the scopes that were
 * cancelled by this call (already cancelled ones are left alone, so their waits are not
 * rejected twice).
 */
export function cancelScope(scope: CancellationScope, error: CancelledError): Set<CancellationScope> {
  const reached = new Set<CancellationScope>();
  const visit = (node: CancellationScope): void => {
    if (node.cancelled !== undefined) return;
    node.cancelled = error;
    reached.add(node);
    for (const child of node.children) if (!child.shielded) visit(child);
  };
  visit(scope);
  return reached;
}

/** Why a cancellable scope ended by its own timeout: the reason its CancelledError carries. */
export function scopeTimeoutReason(timeoutMs: number): string {
  return `the cancellation scope timed out after ${timeoutMs} ms`;
}
