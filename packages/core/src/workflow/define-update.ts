import { InvalidWorkflowDefinitionError } from "../errors/workflow-errors.ts";
import { checkMessageName } from "./define-signal.ts";

/**
 * A typed update: a request that a run handles with its own code (which may call effects) and
 * answers with a result, journaled; the caller waits for that result. The workflow handles it
 * with `setHandler(def, async (input) => result)`; clients send it with
 * `client.update(run, def, input, { updateId })`. Made by {@link defineUpdate}.
 */
export interface UpdateDefinition<Input = unknown, Output = unknown> {
  readonly kind: "update";
  readonly name: string;
  /** Runs in `client.update` before anything is stored: `false` or a throw refuses the input. */
  readonly validate?: (input: unknown) => boolean | void;
  /** Type-level only: carries `Input` and `Output` (never set at run time). */
  readonly __update?: (input: Input) => Output;
}

/**
 * Defines a typed update. `validate` runs in the sending process before the request is stored
 * (`UpdateInputInvalidError`, CTM_UPDATE_INPUT_INVALID): a refused request leaves no trace in
 * the run's history, as a rejected update leaves none in Temporal.
 *
 * @example
 * ```ts
 * export const addItem = defineUpdate<{ sku: string; qty: number }, { lines: number }>("cart.add", (i) =>
 *   typeof (i as { qty?: unknown })?.qty === "number" && (i as { qty: number }).qty > 0);
 * // workflow: setHandler(addItem, async ({ sku, qty }) => { lines.push({ sku, qty }); return { lines: lines.length }; });
 * // client:   const { lines } = await client.update(run, addItem, { sku: "a", qty: 1 }, { updateId: requestId });
 * ```
 */
export function defineUpdate<Input, Output>(
  name: string,
  validate?: (input: unknown) => boolean | void,
): UpdateDefinition<Input, Output> {
  checkMessageName("update", name);
  if (validate !== undefined && typeof validate !== "function") {
    throw new InvalidWorkflowDefinitionError(
      name,
      "validate",
      `must be a function, got ${typeof validate}`,
      "pass (input) => boolean, or leave it out",
    );
  }
  return Object.freeze({ kind: "update", name, ...(validate === undefined ? {} : { validate }) });
}

/** True when `value` is a definition made by {@link defineUpdate}. */
export function isUpdateDefinition(value: unknown): value is UpdateDefinition {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "update" &&
    typeof (value as { name?: unknown }).name === "string"
  );
}
