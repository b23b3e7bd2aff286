// A small stand-in for the workflow API of @continuum/core (names from transformer/SPEC.md
// section 2), so type-checker tests do not depend on the runtime package's progress.
declare module "@continuum/core/workflow" {
  export interface ActivityDefinition<A extends unknown[], R> {
    readonly activityName: string;
    readonly __types?: { args: A; result: R };
  }
  export interface QueueDefinition {
    readonly kind: "queue";
    readonly name: string;
  }
  export function defineQueue(name: string, options?: object): QueueDefinition;
  export interface ActivityCallOptions {
    readonly compensate?: readonly unknown[];
    readonly idempotencyKey?: string;
    readonly startToCloseMs?: number;
    readonly timeoutMs?: number;
    readonly queue?: QueueDefinition;
  }
  export interface WorkflowDefinition<I, O> {
    readonly workflowName: string;
    readonly __types?: { input: I; output: O };
  }
  export interface ChildHandle<O> {
    readonly runId: string;
    readonly __output?: O;
  }
  export interface WorkflowStamp {
    readonly format: 1;
    readonly versionHash: string;
    readonly cursors: readonly string[];
    readonly file: string;
    readonly line: number;
  }
  type Stampable<F> = F & { at(cursor: string): F };
  export function defineActivity<A extends unknown[], R>(
    name: string,
    fn: (...args: A) => Promise<R> | R,
    options?: object,
  ): ActivityDefinition<A, R>;
  export const activity: Stampable<{
    <A extends unknown[], R>(def: ActivityDefinition<A, R>, ...args: A): Promise<R>;
    <A extends unknown[], R>(def: ActivityDefinition<A, R>, ...args: [...A, ActivityCallOptions]): Promise<R>;
  }>;
  export const sleep: Stampable<(ms: number) => Promise<void>>;
  export const sleepUntil: Stampable<(at: Date) => Promise<void>>;
  export const SignalTimeout: unique symbol;
  export type SignalTimeout = typeof SignalTimeout;
  export function isTimeout(value: unknown): value is SignalTimeout;
  export interface SignalDefinition<T = unknown> {
    readonly kind: "signal";
    readonly name: string;
    readonly __payload?: (payload: T) => T;
  }
  export function defineSignal<T = void>(
    name: string,
    validate?: (payload: unknown) => boolean | void,
  ): SignalDefinition<T>;
  export interface QueryDefinition<R = unknown, A extends readonly unknown[] = []> {
    readonly kind: "query";
    readonly name: string;
    readonly __query?: (...args: A) => R;
  }
  export function defineQuery<R, A extends readonly unknown[] = []>(name: string): QueryDefinition<R, A>;
  export function setHandler<R, A extends readonly unknown[]>(
    query: QueryDefinition<R, A>,
    handler: (...args: A) => R,
  ): void;
  export interface UpdateDefinition<I = unknown, O = unknown> {
    readonly kind: "update";
    readonly name: string;
    readonly __update?: (input: I) => O;
  }
  export function defineUpdate<I, O>(
    name: string,
    validate?: (input: unknown) => boolean | void,
  ): UpdateDefinition<I, O>;
  export function setHandler<I, O>(
    update: UpdateDefinition<I, O>,
    handler: (input: I) => Promise<O> | O,
  ): void;
  export const signal: Stampable<{
    <T>(definition: SignalDefinition<T>): Promise<T>;
    <T>(definition: SignalDefinition<T>, options: { timeout: number }): Promise<T | SignalTimeout>;
    <T>(name: string): Promise<T>;
    <T>(name: string, options: { timeout: number }): Promise<T | SignalTimeout>;
  }>;
  export const now: Stampable<() => Date>;
  export const today: Stampable<() => string>;
  export const uuid4: Stampable<() => string>;
  export const random: Stampable<() => number>;
  export const sideEffect: Stampable<<T>(fn: () => T | Promise<T>) => Promise<T>>;
  export const log: Stampable<(message: string, data?: unknown) => void>;
  export const child: Stampable<<I, O>(def: WorkflowDefinition<I, O>, input: I) => Promise<O>>;
  export const startChild: Stampable<
    <I, O>(def: WorkflowDefinition<I, O>, input: I) => Promise<ChildHandle<O>>
  >;
  export const awaitChild: Stampable<<O>(handle: ChildHandle<O>) => Promise<O>>;
  export const patched: Stampable<(patchId: string) => boolean>;
  export const deprecatePatch: Stampable<(patchId: string) => void>;
  export const continueAsNew: Stampable<(input: unknown) => Promise<never>>;
  export const compensate: Stampable<(receipt?: unknown) => Promise<void>>;
  export const compensateAll: Stampable<() => Promise<void>>;
  export const setAttributes: Stampable<
    (attributes: Record<string, unknown>) => Readonly<Record<string, unknown>>
  >;
  export const cancellable: Stampable<
    <T>(
      fn: () => Promise<T>,
      options?: { timeout?: number },
    ) => Promise<T> & { cancel(reason?: string): void }
  >;
  export function nonCancellable<T>(fn: () => Promise<T>): Promise<T>;
  export function complete<T>(value: T): T;
  export function isCancellation(error: unknown): error is Error & { reason?: string };
  export const workflow: {
    <I, O>(
      name: string,
      options: { version?: number; searchAttributes?: Record<string, string> },
      fn: (input: I) => Promise<O>,
    ): WorkflowDefinition<I, O>;
    stamped(
      stamp: WorkflowStamp,
    ): <I, O>(
      name: string,
      options: { version?: number; searchAttributes?: Record<string, string> },
      fn: (input: I) => Promise<O>,
    ) => WorkflowDefinition<I, O>;
  };
  export function hours(n: number): number;
  export function minutes(n: number): number;
  export function seconds(n: number): number;
  export function days(n: number): number;
}
declare module "@continuum/core" {
  export * from "@continuum/core/workflow";
}
