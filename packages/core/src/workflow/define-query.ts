import { EffectOutsideWorkflowError, InvalidEffectArgumentError } from "../errors/workflow-errors.ts";
import { EffectInQueryError } from "../errors/message-errors.ts";
import { callerScope, currentHost, inQueryHandler } from "./effect-host.ts";
import { checkMessageName } from "./define-signal.ts";
import { isUpdateDefinition, type UpdateDefinition } from "./define-update.ts";

/**
 * A typed query: a read of a run's state, answered without writing history. The workflow
 * answers it with `setHandler(def, (...args) => state)`; clients ask with
 * `client.query(run, def, ...args)`. Made by {@link defineQuery}.
 */
export interface QueryDefinition<Result = unknown, Args extends readonly unknown[] = []> {
  readonly kind: "query";
  readonly name: string;
  /** Type-level only: carries `Result` and `Args` (never set at run time). */
  readonly __query?: (...args: Args) => Result;
}

/** The handler type of a query definition. */
export type QueryHandler<D> =
  D extends QueryDefinition<infer R, infer A>
    ? (...args: A) => R extends Promise<unknown> ? never : R
    : never;

/**
 * Defines a typed query. Its handler must be synchronous and read-only: it may not call
 * effects (`EffectInQueryError`, CTM_EFFECT_IN_QUERY), and what it returns goes through the
 * payload codec, as a signal payload does.
 *
 * @example
 * ```ts
 * export const progress = defineQuery<{ done: number; total: number }>("progress");
 * // workflow: setHandler(progress, () => ({ done, total }));
 * // client:   const { done } = await client.query(run, progress);
 * ```
 */
export function defineQuery<Result, Args extends readonly unknown[] = []>(
  name: string,
): QueryDefinition<Result, Args> {
  checkMessageName("query", name);
  return Object.freeze({ kind: "query", name });
}

/** True when `value` is a definition made by {@link defineQuery}. */
export function isQueryDefinition(value: unknown): value is QueryDefinition<unknown, never[]> {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "query" &&
    typeof (value as { name?: unknown }).name === "string"
  );
}

/**
 * Registers how the run answers a query (synchronous, read-only: `() => state`) or handles an
 * update (`async (input) => result`, may call effects; its result is journaled and returned to
 * the caller). A later call for the same definition replaces the handler. Call it in the
 * workflow body, before the first `await`, so a replay registers it at the same point. Updates
 * that arrived before their handler was registered wait and are handled, oldest first, when it is.
 *
 * @example
 * ```ts
 * let status = "waiting";
 * setHandler(statusQuery, () => status);
 * setHandler(rename, async (name) => { status = `renamed to ${name}`; return status; });
 * ```
 */
export function setHandler<Result, Args extends readonly unknown[]>(
  query: QueryDefinition<Result, Args>,
  handler: (...args: Args) => Result,
): void;
export function setHandler<Input, Output>(
  update: UpdateDefinition<Input, Output>,
  handler: (input: Input) => Promise<Output> | Output,
): void;
export function setHandler(
  definition: QueryDefinition<unknown, readonly unknown[]> | UpdateDefinition,
  handler: (...args: never[]) => unknown,
): void {
  const isUpdate = isUpdateDefinition(definition);
  if (!isUpdate && !isQueryDefinition(definition))
    throw new InvalidEffectArgumentError(
      "setHandler",
      "definition",
      "must be a definition made by defineQuery() or defineUpdate()",
      'define it once, next to the workflow: export const status = defineQuery<string>("status")',
    );
  if (typeof handler !== "function")
    throw new InvalidEffectArgumentError(
      "setHandler",
      "handler",
      `must be a function, got ${typeof handler}`,
      isUpdate
        ? "pass the update's code, e.g. async (input) => result"
        : "pass a synchronous function that returns the state, e.g. () => status",
    );
  if (inQueryHandler()) throw new EffectInQueryError("setHandler");
  const host = isUpdate ? currentHost() : (currentHost() ?? callerScope()?.host);
  // An update handler may start effects: like an effect, it is registered only in the run's turn.
  if (host === undefined) throw new EffectOutsideWorkflowError("setHandler");
  if (isUpdate) host.setUpdateHandler(definition.name, handler as (input: unknown) => unknown);
  else host.setQueryHandler(definition.name, handler as (...args: readonly unknown[]) => unknown);
}
