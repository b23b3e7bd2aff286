import { decode, deserializeError } from "../codec/index.ts";
import { ActivityFailure, ChildWorkflowFailure } from "../errors/workflow-errors.ts";
import { assertNever } from "../model/index.ts";
import type { CarriedSignal, EffectIdentity, Encoded, ResolutionEvent } from "../model/index.ts";
import type { PreparedCompensation } from "../workflow/effect-host.ts";
import { SignalTimeout } from "../workflow/signal.ts";
import { reaches } from "./cancellation-scopes.ts";
import type { CancellationScope } from "./cancellation-scopes.ts";
import { deferred } from "./deferred.ts";
import { SignalMailbox } from "./signal-mailbox.ts";

/** What an effect the code waits on is, besides its promise. */
export type WaitKind =
  | {
      readonly kind: "activity";
      readonly activityName: string;
      readonly compensation: PreparedCompensation | undefined;
      /** A compensation (scheduled by compensate/compensateAll): never withdrawn by a cancellation. */
      readonly undo?: true;
    }
  | { readonly kind: "timer" }
  | {
      readonly kind: "signal";
      readonly name: string;
      readonly timed: boolean;
      /** The turn that started the wait: waits started in one turn are served together, in order. */
      readonly turn: number;
    }
  | { readonly kind: "child"; readonly workflowName: string; readonly workflowId: string };

/** A child this run started: what its handle names. */
export interface StartedChild {
  readonly workflowName: string;
  readonly workflowId: string;
}

type Waiter = WaitKind & {
  /** The cancellation scope the effect was started in (undefined: no scope tracking). */
  readonly scope: CancellationScope | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
};

/**
 * Everything a run's code waits on, by identity, plus the signal mailbox and the saga's
 * compensations: the state resolution events are routed through. Every operation is a map
 * lookup, so delivering an event costs the same however long the history is.
 */
export class EffectWaits {
  /** The cancellation scope the calling code runs in; set by the execution. */
  scopeOf: () => CancellationScope | undefined = () => undefined;
  // Map order is issue order: a cancellation rejects in the same order on every replay.
  private readonly waiters = new Map<EffectIdentity, Waiter>();
  private readonly mailbox = new SignalMailbox();
  /** Compensations of completed calls not yet run, in completion (journal) order. */
  private readonly compensations: Array<{
    readonly result: unknown;
    readonly compensation: PreparedCompensation;
  }> = [];
  /**
   * Calls with an undo that a cancellation or timeout rejected while they were in flight. Their
   * queued tasks are withdrawn (`cancelTasks`), but an attempt already running finishes; if it
   * completes, its undo becomes pending like any other, so compensateAll() undoes it too.
   */
  private orphans: Map<EffectIdentity, PreparedCompensation> | undefined;
  /** Children started by this run, by the identity of their child_started event. */
  private children: Map<EffectIdentity, StartedChild> | undefined;
  /**
   * A child's outcome, once awaited or once arrived (whichever came first): awaiting the same
   * child again, or after its outcome arrived, gets the same settled promise.
   */
  private childResults: Map<EffectIdentity, Promise<unknown>> | undefined;
  // The three maps above are created on first use: most runs start no child and cancel no call,
  // and a suspended run held in the sticky cache would otherwise keep three empty hash tables.

  get size(): number {
    return this.waiters.size;
  }

  /** Registers a wait and returns the promise the effect hands to the code. */
  add(identity: EffectIdentity, wait: WaitKind, scope = this.scopeOf()): Promise<unknown> {
    const { promise, resolve, reject } = deferred();
    this.waiters.set(identity, { ...wait, scope, resolve, reject });
    if (wait.kind === "signal") this.mailbox.wait(wait.name, identity);
    return promise;
  }

  /** Records a child started by this run (its handle can then be awaited). */
  addChild(identity: EffectIdentity, child: StartedChild): void {
    (this.children ??= new Map()).set(identity, child);
  }

  /** The child started with `identity`, if this run started it. */
  child(identity: EffectIdentity): StartedChild | undefined {
    return this.children?.get(identity);
  }

  /** The promise of a started child's outcome (its recorded outcome when it already arrived). */
  awaitChild(identity: EffectIdentity, child: StartedChild): Promise<unknown> {
    const known = this.childResults?.get(identity);
    if (known !== undefined) return known;
    const promise = this.add(identity, { kind: "child", ...child });
    (this.childResults ??= new Map()).set(identity, promise);
    return promise;
  }

  /** Signals that arrived and were never taken, in arrival order. */
  unclaimedSignals(): CarriedSignal[] {
    return this.mailbox.unclaimed();
  }

  /**
   * A new wait for `name` starts in `turn`: waits for `name` still pending from earlier turns
   * are replaced (removed, and rejected with `error`), so a wait the code no longer looks at,
   * like the loser of a Promise.race, cannot take the signal the new wait is for. Returns the
   * timeout timers of the replaced waits, no longer needed.
   */
  replaceSignalWaits(
    name: string,
    turn: number,
    error: (identity: EffectIdentity) => Error,
  ): EffectIdentity[] {
    const timers: EffectIdentity[] = [];
    for (const identity of this.mailbox.waiting(name)) {
      const waiter = this.waiters.get(identity);
      if (waiter?.kind !== "signal" || waiter.turn >= turn) continue;
      this.waiters.delete(identity);
      this.mailbox.forget(name, identity);
      if (waiter.timed) timers.push(identity);
      waiter.reject(error(identity));
    }
    return timers;
  }

  /** The oldest signal of `name` that arrived while nobody waited, if any. */
  takeSignal(name: string): { payload: Encoded } | undefined {
    return this.mailbox.take(name);
  }

  /**
   * Routes a resolution to its waiter. Returns the identity of a signal wait's timeout timer
   * that is no longer needed. Resolutions nobody waits for (race losers, cancelled waits) are
   * dropped.
   */
  resolve(event: Exclude<ResolutionEvent, { kind: "cancel_requested" }>): EffectIdentity | undefined {
    switch (event.kind) {
      case "activity_completed": {
        const waiter = this.take(event.identity, "activity");
        if (waiter?.kind !== "activity") {
          this.settleOrphan(event.identity, event.result);
          return undefined;
        }
        settle(waiter, () => {
          const result = decode(event.result, "result");
          if (waiter.compensation !== undefined)
            this.compensations.push({ result, compensation: waiter.compensation });
          return result;
        });
        return undefined;
      }
      case "activity_failed": {
        this.settleOrphan(event.identity, undefined);
        const waiter = this.take(event.identity, "activity");
        if (waiter?.kind === "activity")
          waiter.reject(
            new ActivityFailure(
              waiter.activityName,
              event.identity,
              event.attempts,
              deserializeError(event.error),
            ),
          );
        return undefined;
      }
      case "timer_fired": {
        const waiter = this.waiters.get(event.identity);
        if (waiter?.kind === "timer") {
          this.waiters.delete(event.identity);
          waiter.resolve(undefined);
        } else if (waiter?.kind === "signal" && waiter.timed) {
          this.waiters.delete(event.identity);
          this.mailbox.forget(waiter.name, event.identity);
          waiter.resolve(SignalTimeout);
        }
        return undefined;
      }
      case "signal_received": {
        const identity = this.mailbox.arrive(event.name, event.payload, event.deliveryId);
        const waiter = identity === undefined ? undefined : this.take(identity, "signal");
        if (waiter?.kind !== "signal") return undefined;
        settle(waiter, () => decode(event.payload, "signal"));
        return waiter.timed ? identity : undefined;
      }
      case "child_completed":
      case "child_failed":
        this.childOutcome(event);
        return undefined;
      default:
        return assertNever(event);
    }
  }

  private childOutcome(event: Extract<ResolutionEvent, { kind: "child_completed" | "child_failed" }>): void {
    const child = this.children?.get(event.identity);
    // An outcome of a child this execution did not start cannot be routed.
    if (child === undefined) return;
    let target: { resolve: (value: unknown) => void; reject: (error: unknown) => void } | undefined =
      this.take(event.identity, "child");
    if (target === undefined) {
      // Nobody awaits it yet: keep the outcome for awaitChild (unless one is kept already).
      if (this.childResults?.has(event.identity) === true) return;
      const arrived = deferred();
      arrived.promise.catch(() => undefined); // observed when the code awaits the child
      (this.childResults ??= new Map()).set(event.identity, arrived.promise);
      target = arrived;
    }
    if (event.kind === "child_failed") {
      target.reject(
        new ChildWorkflowFailure(
          child.workflowName,
          child.workflowId,
          event.identity,
          deserializeError(event.error),
        ),
      );
      return;
    }
    let result: unknown;
    try {
      result = decode(event.result, "result");
    } catch (error) {
      target.reject(error);
      return;
    }
    target.resolve(result);
  }

  /**
   * Rejects every wait (cancellation, workflow timeout), in issue order. Returns the timers no
   * longer needed, and the activity calls whose tasks should not start (compensations excepted:
   * an undo the code started must still run).
   */
  rejectAll(error: () => Error): { timers: EffectIdentity[]; tasks: EffectIdentity[] } {
    const waits = [...this.waiters];
    this.abandon();
    return this.rejectEach(waits, error);
  }

  /**
   * Rejects the waits that cancelling `scope` reaches, in issue order, and returns what they
   * leave to withdraw, as {@link rejectAll} does. Compensations are not rejected: an undo is
   * cleanup, and cleanup is never cancelled.
   */
  rejectInScope(
    scope: CancellationScope,
    error: () => Error,
  ): { timers: EffectIdentity[]; tasks: EffectIdentity[] } {
    const waits = [...this.waiters].filter(
      ([, waiter]) =>
        waiter.scope !== undefined &&
        reaches(scope, waiter.scope) &&
        !(waiter.kind === "activity" && waiter.undo === true),
    );
    for (const [identity, waiter] of waits) {
      this.waiters.delete(identity);
      if (waiter.kind === "signal") this.mailbox.forget(waiter.name, identity);
    }
    return this.rejectEach(waits, error);
  }

  /** Forgets one wait without settling it; true when it was still pending. */
  remove(identity: EffectIdentity): boolean {
    return this.waiters.delete(identity);
  }

  private rejectEach(
    waits: ReadonlyArray<readonly [EffectIdentity, Waiter]>,
    error: () => Error,
  ): { timers: EffectIdentity[]; tasks: EffectIdentity[] } {
    const timers: EffectIdentity[] = [];
    const tasks: EffectIdentity[] = [];
    for (const [identity, waiter] of waits) {
      if (waiter.kind === "timer" || (waiter.kind === "signal" && waiter.timed)) timers.push(identity);
      // A child awaited again after the cancellation waits for its real outcome.
      if (waiter.kind === "child") this.childResults?.delete(identity);
      if (waiter.kind === "activity" && waiter.undo !== true) {
        tasks.push(identity);
        if (waiter.compensation !== undefined)
          (this.orphans ??= new Map()).set(identity, waiter.compensation);
      }
      waiter.reject(error());
    }
    return { timers, tasks };
  }

  /**
   * Forgets every wait without settling it, as the run is terminated: no more of its code may
   * run. Returns the timers and activity calls (compensations too) nobody waits for any more.
   */
  release(): { timers: EffectIdentity[]; tasks: EffectIdentity[] } {
    const waits = [...this.waiters];
    this.abandon();
    const timers: EffectIdentity[] = [];
    const tasks: EffectIdentity[] = [];
    for (const [identity, waiter] of waits) {
      if (waiter.kind === "timer" || (waiter.kind === "signal" && waiter.timed)) timers.push(identity);
      if (waiter.kind === "activity") tasks.push(identity);
    }
    return { timers, tasks };
  }

  /** Forgets every wait without settling it (the run ended or the execution was dropped). */
  abandon(): void {
    this.waiters.clear();
    this.mailbox.forgetAllWaits();
  }

  /** Hands over the compensations completed calls left since the last call, in completion order. */
  drainCompensations(): Array<{ readonly result: unknown; readonly compensation: PreparedCompensation }> {
    return this.compensations.splice(0);
  }

  /** An orphaned call ended: a completion makes its undo pending (`result` undefined: it failed). */
  private settleOrphan(identity: EffectIdentity, result: Encoded | undefined): void {
    const compensation = this.orphans?.get(identity);
    if (compensation === undefined) return;
    this.orphans?.delete(identity);
    if (result !== undefined) {
      let decoded: unknown;
      try {
        decoded = decode(result, "result");
      } catch {
        decoded = undefined;
      }
      this.compensations.push({ result: decoded, compensation });
    }
  }

  private take(identity: EffectIdentity, kind: WaitKind["kind"]): Waiter | undefined {
    const waiter = this.waiters.get(identity);
    if (waiter?.kind !== kind) return undefined;
    this.waiters.delete(identity);
    return waiter;
  }
}

function settle(waiter: Waiter, value: () => unknown): void {
  let result: unknown;
  try {
    result = value();
  } catch (error) {
    waiter.reject(error);
    return;
  }
  waiter.resolve(result);
}
