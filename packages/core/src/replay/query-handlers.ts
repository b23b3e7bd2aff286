import { QueryNotRegisteredError } from "../errors/message-errors.ts";
import { InvalidEffectArgumentError } from "../errors/workflow-errors.ts";
import { runQueryHandler } from "../workflow/effect-host.ts";

/** A query handler as `setHandler` registers it. */
export type QueryHandlerFn = (...args: readonly unknown[]) => unknown;

/**
 * The query handlers a run's code registered (`setHandler`). They live only in memory: a
 * replay of the code registers them again at the same points, so the journal never sees them.
 */
export class QueryHandlers {
  // Created at the first registration: most runs register none, and a run held in the sticky
  // cache would otherwise keep an empty hash table.
  private handlers: Map<string, QueryHandlerFn> | undefined;

  set(name: string, handler: QueryHandlerFn): void {
    (this.handlers ??= new Map()).set(name, handler);
  }

  /**
   * Calls the handler of `name` with effects barred (`EffectInQueryError`). Handlers are
   * synchronous: one that returns a promise is refused, since whatever it awaits could run
   * while the run's own code does and observe (or change) half-stepped state.
   */
  answer(runId: string, name: string, args: readonly unknown[]): unknown {
    const handler = this.handlers?.get(name);
    if (handler === undefined)
      throw new QueryNotRegisteredError(name, runId, [...(this.handlers?.keys() ?? [])]);
    const value = runQueryHandler(() => handler(...args));
    if (typeof (value as { then?: unknown } | null)?.then === "function") {
      (value as Promise<unknown>).then(undefined, () => undefined);
      throw new InvalidEffectArgumentError(
        "setHandler",
        "handler",
        `of query ${JSON.stringify(name)} returned a promise`,
        "make query handlers synchronous: return the state, e.g. () => ({ status })",
      );
    }
    return value;
  }
}
