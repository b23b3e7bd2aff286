import type {
  Cursor,
  Encoded,
  ParentClosePolicy,
  ResolvedActivityOptions,
  WorkflowIdReusePolicy,
  WorkflowStamp,
} from "../model/index.ts";
import type { CompensateAllOptions } from "./compensate.ts";
import type { LogLevel } from "./log.ts";

/** How a timer is set: a delay from now (sleep) or an absolute instant (sleepUntil). */
export type TimerSpec = { readonly delayMs: number } | { readonly until: number };

/** The activity that undoes a call, ready to be scheduled by compensate()/compensateAll(). */
export interface PreparedCompensation {
  readonly activityName: string;
  readonly args: Encoded;
  readonly options: ResolvedActivityOptions;
}

/** A child workflow to start, as the workflow API hands it to the execution. */
export interface ChildRequest {
  readonly workflowName: string;
  readonly versionHash: string;
  readonly input: unknown;
  /** The child's workflow id; absent: derived from the parent's run id and the call's identity. */
  readonly workflowId?: string;
  readonly parentClosePolicy: ParentClosePolicy;
  /** The child id's reuse policy, when not the default (`allowAfterClosed`). */
  readonly idReusePolicy?: WorkflowIdReusePolicy;
}

/** What identifies a started child to the execution that started it. */
export interface ChildRef {
  /** Identity of the parent's child_started event. */
  readonly identity: string;
  readonly workflowName: string;
  readonly workflowId: string;
}

/** How a cancellation scope is opened (see `cancellable` and `nonCancellable`). */
export interface ScopeRequest {
  /** `nonCancellable`: cancellations of enclosing scopes (and of the run) do not reach it. */
  readonly shielded: boolean;
  /** Cancels the scope after this long (journal clock), unless its function settled first. */
  readonly timeoutMs?: number;
}

/** A running cancellation scope: its function's outcome, and how to cancel it on its own. */
export interface ScopeRun<T> {
  readonly result: Promise<T>;
  readonly cancel: (reason?: string) => void;
}

/**
 * What the workflow API needs from the execution that runs the workflow: one method per effect.
 * The replay engine (src/replay) implements it; the workflow API only forwards stamped calls.
 * Every method takes the call site's cursor; the host turns it into an identity.
 */
export interface EffectHost {
  readonly workflowName: string;
  readonly stamp: WorkflowStamp | undefined;
  activity(
    cursor: Cursor,
    activityName: string,
    args: readonly unknown[],
    options: ResolvedActivityOptions,
    compensation: PreparedCompensation | undefined,
  ): Promise<unknown>;
  /** Schedules the compensation recorded with the completed call that returned the object `result`. */
  compensate(cursor: Cursor, result: object): Promise<void>;
  /** Schedules every compensation not yet run: most recent first one after the other, or all at once. */
  compensateAll(cursor: Cursor, options?: CompensateAllOptions): Promise<void>;
  timer(cursor: Cursor, spec: TimerSpec): Promise<void>;
  signal(cursor: Cursor, name: string, timeoutMs: number | undefined): Promise<unknown>;
  /** Records `produce()` once (live) and returns the recorded value (live and on replay). */
  recordValue(cursor: Cursor, produce: (now: number) => string | number): string | number;
  sideEffect(cursor: Cursor, fn: () => unknown): Promise<unknown>;
  /** True when the run takes the patched path: always live, on replay only if the run did. */
  patched(cursor: Cursor, patchId: string): boolean;
  /** Accepts histories recorded with or without the (now removed) patch's marker. */
  deprecatePatch(cursor: Cursor, patchId: string): void;
  log(cursor: Cursor, level: LogLevel, message: string, data: unknown): void;
  /**
   * Checks `attributes` against the workflow's declarations (throws CTM_INVALID_ATTRIBUTES),
   * then journals them as an `attributes_set` event (matched, not written, on replay); returns
   * the values journaled (on replay, the recorded ones).
   */
  setAttributes(cursor: Cursor, attributes: unknown): Readonly<Record<string, Encoded>>;
  /** Starts a child run (created atomically with this step) and returns what names it. */
  startChild(cursor: Cursor, request: ChildRequest): Promise<ChildRef>;
  /** Waits for a child this run started; `cursor` absent when called as part of child(). */
  awaitChild(cursor: Cursor | undefined, child: ChildRef): Promise<unknown>;
  /** Starts a child and waits for it, under one identity. */
  child(cursor: Cursor, request: ChildRequest): Promise<unknown>;
  /** Ends the run and starts its successor with `input`; the returned promise never settles. */
  continueAsNew(cursor: Cursor, input: unknown): Promise<never>;
  /**
   * Runs `fn` in a new cancellation scope under the caller's; `cursor` names the scope's
   * timeout timer (absent for `nonCancellable`, which has none).
   */
  scope<T>(cursor: Cursor | undefined, request: ScopeRequest, fn: () => Promise<T>): ScopeRun<T>;
  /** The run completes with what its code returns even after a cancel request (`complete(value)`). */
  completeDespiteCancel(): void;
  /** Answers the query `name` with `handler` from now on (`setHandler`); journals nothing. */
  setQueryHandler(name: string, handler: (...args: readonly unknown[]) => unknown): void;
  /**
   * Handles the update `name` with `handler` from now on (`setHandler`), starting with the
   * requests that arrived before; each outcome is journaled for the caller.
   */
  setUpdateHandler(name: string, handler: (input: unknown) => unknown): void;
}

/**
 * Where a piece of code runs, as an async context records it: the run whose workflow function
 * (or whose sideEffect function) started it.
 */
export interface EffectScope {
  readonly host: EffectHost;
  /** True inside a sideEffect function: effects called there could not be replayed. */
  readonly inSideEffect: boolean;
  /** The cancellation scope the code runs in (opaque here; the execution owns it). Absent: the run's root scope. */
  readonly cancellation?: object;
}

/**
 * Async-context storage that the environment supplies (in Node, `new AsyncLocalStorage()`;
 * the shape is structural so src/workflow and src/replay need no node:* import). Code started
 * by `run` sees its scope through `getStore`, across every `await`, whatever turn is open.
 */
export interface EffectScopeStorage {
  run<R>(scope: EffectScope, fn: () => R): R;
  getStore(): EffectScope | undefined;
}

interface ExecutionSlot {
  host: EffectHost | undefined;
  /** Set while a query handler runs: effects then refuse (queries are read-only). */
  queryDepth?: number;
  /** Storages executions were given; a list because two engines may bring their own. */
  storages?: EffectScopeStorage[];
}

// The slot lives on globalThis under a registered symbol so that two copies of this module (a
// duplicated install, a bundler split) still agree on which execution is running.
const slotKey = Symbol.for("@continuum/core/current-execution");
const slot: ExecutionSlot = ((globalThis as Record<symbol, unknown>)[slotKey] as
  ExecutionSlot | undefined) ?? { host: undefined };
(globalThis as Record<symbol, unknown>)[slotKey] = slot;

/** Makes effect calls consult `storage` (idempotent). Called by executions created with one. */
export function registerScopeStorage(storage: EffectScopeStorage): void {
  slot.storages ??= [];
  if (!slot.storages.includes(storage)) slot.storages.push(storage);
}

/** The scope the calling code runs in, when an async-context storage knows it. */
export function callerScope(): EffectScope | undefined {
  const storages = slot.storages;
  if (storages === undefined) return undefined;
  for (const storage of storages) {
    const scope = storage.getStore();
    if (scope !== undefined) return scope;
  }
  return undefined;
}

/**
 * The execution an effect call made now belongs to, if any. The replay engine runs executions
 * one turn at a time per process (see replay/turn-scheduler.ts), so an effect call made while
 * a turn is open belongs to that turn's execution, unless async context says the caller is
 * another run's code (resumed by something that is not an effect: a fetch, a timer, a sideEffect
 * function's own await) or a sideEffect function: then it belongs to none.
 */
export function currentHost(): EffectHost | undefined {
  const scope = callerScope();
  if (scope === undefined) return slot.host;
  return scope.host === slot.host && !scope.inSideEffect ? scope.host : undefined;
}

/** Opens (host) or closes (undefined) a turn. Only the replay engine's turn scheduler calls it. */
export function setCurrentHost(host: EffectHost | undefined): void {
  slot.host = host;
}

/**
 * Runs a query handler (synchronous, see `setHandler`) so that any effect it calls throws
 * `EffectInQueryError` instead of reaching an execution: a query writes no history. Handlers are
 * synchronous, so a flag for the duration of the call covers everything they do.
 */
export function runQueryHandler<T>(fn: () => T): T {
  slot.queryDepth = (slot.queryDepth ?? 0) + 1;
  try {
    return fn();
  } finally {
    slot.queryDepth -= 1;
  }
}

/** True while a query handler runs (see {@link runQueryHandler}). */
export function inQueryHandler(): boolean {
  return (slot.queryDepth ?? 0) > 0;
}
