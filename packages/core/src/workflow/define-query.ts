import { EffectOutsideWorkflowError, InvalidEffectArgumentError } from "../errors/workflow-errors.ts";
import { EffectInQueryError } from "../errors/message-errors.ts";
import { callerScope, currentHost, inQueryHandler } from "./effect-host.ts";
import { checkMessageName } from "./define-signal.ts";

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
 * Answers `query` from now on with `handler` (a later call replaces it). Call it in the
 * workflow body, before the first `await`, so a replay registers it at the same point; it
 * journals nothing, so adding or removing a handler never breaks replay.
 *
 * @example
 * ```ts
 * let status = "waiting";
 * setHandler(statusQuery, () => status);
 * ```
 */
export function setHandler<Result, Args extends readonly unknown[]>(
  query: QueryDefinition<Result, Args>,
  handler: (...args: Args) => Result,
): void {
  if (!isQueryDefinition(query))
    throw new InvalidEffectArgumentError(
      "setHandler",
      "query",
      "must be a definition made by defineQuery()",
      'define it once, next to the workflow: export const status = defineQuery<string>("status")',
    );
  if (typeof handler !== "function")
    throw new InvalidEffectArgumentError(
      "setHandler",
      "handler",
      `must be a function, got ${typeof handler}`,
      "pass a synchronous function that returns the state, e.g. () => status",
    );
  if (inQueryHandler()) throw new EffectInQueryError("setHandler");
  const host = currentHost() ?? callerScope()?.host;
  if (host === undefined) throw new EffectOutsideWorkflowError("setHandler");
  host.setQueryHandler(query.name, handler as (...args: readonly unknown[]) => unknown);
}
