import { InvalidWorkflowDefinitionError } from "../errors/workflow-errors.ts";
import { IdentifierKind, describeValue, identifierProblem } from "../validation/index.ts";

/**
 * Checks a signal payload: return `false` (or throw) to refuse it. A type guard
 * (`(p): p is Review => ...`) also gives the definition its payload type.
 */
export type SignalValidator = (payload: unknown) => boolean | void;

/**
 * A typed signal shared by the workflow (`signal(def)`) and the clients that send it
 * (`client.signal(run, def, payload)`): the compiler checks the payload type on both sides, and
 * the client runs `validate` before anything is stored. Made by {@link defineSignal}.
 */
export interface SignalDefinition<T = unknown> {
  readonly kind: "signal";
  readonly name: string;
  readonly validate?: SignalValidator;
  /** Type-level only: carries `T` (never set at run time). */
  readonly __payload?: (payload: T) => T;
}

/** Any signal definition, whatever its payload type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySignalDefinition = SignalDefinition<any>;

/** The payload type of a signal definition. */
export type SignalPayload<D> = D extends SignalDefinition<infer T> ? T : never;

/**
 * Defines a typed signal. `validate` runs in `client.signal` before the payload is stored;
 * returning `false` or throwing refuses the send with `SignalPayloadInvalidError`
 * (CTM_SIGNAL_PAYLOAD_INVALID).
 *
 * @example
 * ```ts
 * export const approve = defineSignal<{ by: string }>("approve", (p) => typeof (p as { by?: unknown })?.by === "string");
 * // workflow:  const { by } = await signal(approve);
 * // client:    await client.signal(run, approve, { by: "ann" });
 * ```
 */
export function defineSignal<T>(
  name: string,
  validate: (payload: unknown) => payload is T,
): SignalDefinition<T>;
export function defineSignal<T = void>(name: string, validate?: SignalValidator): SignalDefinition<T>;
export function defineSignal<T>(name: string, validate?: SignalValidator): SignalDefinition<T> {
  checkMessageName("signal", name);
  if (validate !== undefined && typeof validate !== "function") {
    throw new InvalidWorkflowDefinitionError(
      name,
      "validate",
      `must be a function, got ${typeof validate}`,
      "pass (payload) => boolean, a type guard, or leave it out",
    );
  }
  return Object.freeze({ kind: "signal", name, ...(validate === undefined ? {} : { validate }) });
}

/** True when `value` is a definition made by {@link defineSignal}. */
export function isSignalDefinition(value: unknown): value is SignalDefinition {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "signal" &&
    typeof (value as { name?: unknown }).name === "string"
  );
}

/** Refuses a message name the client and the journal would refuse (the rule of signal names). */
export function checkMessageName(kind: "signal" | "query" | "update", name: unknown): void {
  const problem = identifierProblem(IdentifierKind.name, name);
  if (problem !== undefined) {
    throw new InvalidWorkflowDefinitionError(
      typeof name === "string" ? name : "(invalid name)",
      "name",
      `${problem}, got ${describeValue(name)}`,
      `name ${kind}s with stable plain text, e.g. define${kind[0]!.toUpperCase()}${kind.slice(1)}("approve")`,
    );
  }
}
