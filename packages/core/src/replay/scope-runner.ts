import { CancelledError, ScopeNeedsAsyncContextError } from "../errors/workflow-errors.ts";
import type { Cursor, EffectIdentity } from "../model/index.ts";
import { callerScope } from "../workflow/effect-host.ts";
import type { EffectHost, EffectScopeStorage, ScopeRequest, ScopeRun } from "../workflow/effect-host.ts";
import {
  cancelScope,
  cancellationOf,
  openScope,
  rootScope,
  scopeTimeoutReason,
} from "./cancellation-scopes.ts";
import type { CancellationScope } from "./cancellation-scopes.ts";
import { forever, noop, rejected } from "./deferred.ts";
import type { EffectRecorder } from "./effect-recorder.ts";
import type { EffectWaits } from "./effect-waits.ts";

/** What a {@link ScopeRunner} needs from the execution it belongs to. */
export interface ScopeRunnerDeps {
  /** The execution: the host the scope's code runs under. */
  readonly host: EffectHost;
  /** Async context; without it scopes are refused (the code inside could not be told apart). */
  readonly storage: EffectScopeStorage | undefined;
  readonly recorder: Pick<EffectRecorder, "nextIdentity" | "issue" | "withdraw" | "withdrawTimers">;
  readonly waits: Pick<EffectWaits, "add" | "remove" | "rejectInScope">;
  /** The execution's guard: throws once it broke, true once the run ended. */
  readonly ended: () => boolean;
}

/**
 * Runs a run's cancellation scopes (`cancellable`, `nonCancellable`; see cancellation-scopes.ts):
 * opens each in async context under the caller's, journals a scope's timeout as a timer under
 * the call's identity, and cancels a scope on `cancel()` or when its timer fires.
 */
export class ScopeRunner {
  /** The run's root scope: a cancel request cancels it. */
  readonly root: CancellationScope = rootScope();
  private readonly deps: ScopeRunnerDeps;

  constructor(deps: ScopeRunnerDeps) {
    this.deps = deps;
  }

  /** The scope the calling code runs in (the root outside every scope). */
  current(): CancellationScope {
    return (callerScope()?.cancellation as CancellationScope | undefined) ?? this.root;
  }

  /** The cancellation that reaches the calling code, if any: its effects are rejected with it. */
  cancellation(): CancelledError | undefined {
    return cancellationOf(this.current());
  }

  /** Cancels `scope` and rejects what the code inside it waits on. */
  cancel(scope: CancellationScope, reason: string | undefined): void {
    if (this.deps.ended() || !cancelScope(scope, new CancelledError(reason))) return;
    this.deps.recorder.withdraw(this.deps.waits.rejectInScope(scope, () => new CancelledError(reason)));
  }

  /** Runs `fn` in a new scope (EffectHost.scope). */
  run<T>(cursor: Cursor | undefined, request: ScopeRequest, fn: () => Promise<T>): ScopeRun<T> {
    const { host, storage, recorder, waits } = this.deps;
    if (storage === undefined)
      throw new ScopeNeedsAsyncContextError(
        request.shielded ? "nonCancellable" : "cancellable",
        host.workflowName,
      );
    if (this.deps.ended()) return { result: forever, cancel: noop };
    // The occurrence is counted for every call, with a timeout or without, so that the
    // identities of later calls at this site do not depend on the options.
    const identity = cursor === undefined ? undefined : recorder.nextIdentity(cursor);
    const scope = openScope(this.current(), request.shielded);
    const { timeoutMs } = request;
    let timer: EffectIdentity | undefined;
    if (identity !== undefined && timeoutMs !== undefined && cancellationOf(scope) === undefined) {
      recorder.issue({ kind: "timer_started", identity, delayMs: timeoutMs });
      timer = identity;
      // The timer belongs to the scope: cancelling the scope from outside withdraws it too.
      waits
        .add(identity, { kind: "timer" }, scope)
        .then(() => this.cancel(scope, scopeTimeoutReason(timeoutMs)), noop);
    }
    let result: Promise<T>;
    try {
      result = Promise.resolve(storage.run({ host, inSideEffect: false, cancellation: scope }, fn));
    } catch (error) {
      result = rejected(error);
    }
    const settled = result.finally(() => {
      if (timer !== undefined && waits.remove(timer) && !this.deps.ended()) recorder.withdrawTimers([timer]);
    });
    // Like an effect's promise: a scope nobody awaits must not become an unhandled rejection.
    settled.catch(noop);
    return { result: settled, cancel: (reason) => this.cancel(scope, reason) };
  }
}
