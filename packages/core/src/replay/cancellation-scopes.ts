import type { CancelledError } from "../errors/workflow-errors.ts";

/**
 * One cancellation scope of a run: the run itself (the root), a `nonCancellable(fn)` block
 * (shielded: a cancellation of an enclosing scope does not reach it) or a `cancellable(fn)`
 * block (cancelled with its parent, by its handle's `cancel()`, or by its timeout).
 *
 * Every wait records the scope its effect was started in; cancelling a scope rejects the waits
 * of the scope and of every scope below it up to a shielded one, and every effect started there
 * afterwards is rejected at once. A scope only points to its parent: whether a cancellation
 * reaches it is decided by walking up, so a scope whose function settled costs nothing, and an
 * effect its code left running is still reached. Nothing here is journaled: a scope is
 * cancelled by the run's own code (`cancel()`), by a journaled event (the run's
 * `cancel_requested`) or by a journaled timer, so replay derives the same cancellations at the
 * same points.
 */
export interface CancellationScope {
  readonly parent: CancellationScope | undefined;
  /** A `nonCancellable` scope: cancellations from enclosing scopes stop here. */
  readonly shielded: boolean;
  /** Set once the scope itself is cancelled: the error its effects are rejected with. */
  cancelled: CancelledError | undefined;
}

/** The root scope of a run. */
export function rootScope(): CancellationScope {
  return { parent: undefined, shielded: false, cancelled: undefined };
}

/** Opens a scope under `parent`. */
export function openScope(parent: CancellationScope, shielded: boolean): CancellationScope {
  return { parent, shielded, cancelled: undefined };
}

/**
 * The cancellation that reaches `scope`, if any: its own, or that of an enclosing scope below
 * the nearest shielded one. A cancellable scope opened inside a cancelled one is thus cancelled
 * from the start.
 */
export function cancellationOf(scope: CancellationScope): CancelledError | undefined {
  for (let node: CancellationScope | undefined = scope; node !== undefined; node = node.parent) {
    if (node.cancelled !== undefined) return node.cancelled;
    if (node.shielded) return undefined;
  }
  return undefined;
}

/** Cancels `scope`; false when a cancellation already reached it (nothing more to reject). */
export function cancelScope(scope: CancellationScope, error: CancelledError): boolean {
  if (cancellationOf(scope) !== undefined) return false;
  scope.cancelled = error;
  return true;
}

/** Whether cancelling `cancelled` reaches code running in `scope`. */
export function reaches(cancelled: CancellationScope, scope: CancellationScope): boolean {
  for (let node: CancellationScope | undefined = scope; node !== undefined; node = node.parent) {
    if (node === cancelled) return true;
    if (node.shielded) return false;
  }
  return false;
}

/** Why a cancellable scope ended by its own timeout: the reason its CancelledError carries. */
export function scopeTimeoutReason(timeoutMs: number): string {
  return `the cancellation scope timed out after ${timeoutMs} ms`;
}
