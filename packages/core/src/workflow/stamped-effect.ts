import { EffectInQueryError } from "../errors/message-errors.ts";
import {
  EffectNotStampedError,
  EffectOutsideWorkflowError,
  InvalidEffectArgumentError,
} from "../errors/workflow-errors.ts";
import { parseCursor } from "../model/index.ts";
import type { Cursor, EffectKind } from "../model/index.ts";
import { callerScope, currentHost, inQueryHandler } from "./effect-host.ts";
import type { EffectHost } from "./effect-host.ts";

/**
 * An effect function plus the `.at(cursor)` method the transformer calls (transformer/SPEC.md
 * section 1): `sleep.at("sleep:#0")(ms)` is `sleep(ms)` with its call-site identity.
 */
export type Effect<F> = F & {
  /** The same effect, bound to the call site `cursor` (injected by the transformer; write it by hand only in tests). */
  readonly at: (cursor: string) => F;
};

/**
 * Builds an effect of `kind`. Unstamped calls fail: outside an execution with
 * CTM_EFFECT_OUTSIDE_WORKFLOW, inside one with CTM_EFFECT_NOT_STAMPED. Stamped calls find the
 * execution whose turn is open and hand it the cursor and the arguments.
 */
export function stampedEffect<F extends (...args: never[]) => unknown>(
  kind: EffectKind,
  run: (host: EffectHost, cursor: Cursor, args: readonly unknown[]) => unknown,
): Effect<F> {
  const unstamped = (..._args: unknown[]): never => {
    if (inQueryHandler()) throw new EffectInQueryError(kind);
    const host = currentHost();
    if (host === undefined) throw new EffectOutsideWorkflowError(kind);
    // Not a fault of the running execution: code other than the workflow (an activity, app code)
    // may be the caller, running while the workflow's turn is open.
    throw new EffectNotStampedError(kind, host.workflowName);
  };
  // A call site is reached again and again (loops, every replay): bind each cursor once.
  const bound = new Map<string, F>();
  const at = (cursor: string): F => {
    let fn = bound.get(cursor);
    if (fn === undefined) {
      const parsed = parseCursor(cursor);
      if (parsed === undefined || parsed.kind !== kind) {
        throw new InvalidEffectArgumentError(
          `${kind}.at`,
          "cursor",
          `${JSON.stringify(cursor)} is not a ${kind} cursor`,
          `cursors look like "${kind}:<target>#<ordinal>" (transformer/SPEC.md section 2); rebuild with the current transformer`,
        );
      }
      fn = ((...args: unknown[]) => run(hostOf(kind), cursor, args)) as unknown as F;
      bound.set(cursor, fn);
    }
    return fn;
  };
  return Object.assign(unstamped as unknown as F, { at });
}

/**
 * The execution a stamped call belongs to. Where async context is tracked, a call from a run's
 * code outside that run's turn, or from a sideEffect function, reaches no execution at all:
 * journaling it into whichever run's turn is open would corrupt that run's history.
 */
function hostOf(kind: EffectKind): EffectHost {
  if (inQueryHandler()) throw new EffectInQueryError(kind);
  const host = currentHost();
  if (host !== undefined) return host;
  const scope = callerScope();
  if (scope === undefined) throw new EffectOutsideWorkflowError(kind);
  if (scope.inSideEffect) throw new EffectOutsideWorkflowError(kind, "side-effect", scope.host.workflowName);
  // The run's code resumed outside its own turn (another run's turn may be open, or none).
  throw new EffectOutsideWorkflowError(kind, "outside-turn", scope.host.workflowName);
}
