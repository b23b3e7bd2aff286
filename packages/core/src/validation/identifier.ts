import { InvalidIdentifierError } from "../errors/validation-errors.ts";
import { Limits } from "./limits.ts";
import { describeValue, textProblem, utf8Bytes } from "./text.ts";

/**
 * The kinds of identifier the public API takes. An `id` may be any text (users derive them from
 * their data); a `name` must be plain text, because it is written in code and shown in tools.
 */
export const IdentifierKind = {
  id: "id",
  namespace: "namespace",
  name: "name",
} as const;
export type IdentifierKind = (typeof IdentifierKind)[keyof typeof IdentifierKind];

const hints: Record<IdentifierKind, string> = {
  id: `use an id of 1 to ${Limits.idBytes} bytes of text without NUL characters, e.g. \`order-\${orderId}\`; hash longer keys`,
  namespace: `use a namespace of 1 to ${Limits.namespaceBytes} bytes of plain text, e.g. "billing"`,
  name: `use a name of 1 to ${Limits.nameLength} characters of plain text (no control characters, no surrounding spaces), e.g. "approve"`,
};

/** Why `value` cannot be an identifier of `kind`, or undefined when it can. */
export function identifierProblem(kind: IdentifierKind, value: unknown): string | undefined {
  if (typeof value !== "string") return `must be a string, not ${value === null ? "null" : typeof value}`;
  if (value.length === 0) return "must not be empty";
  if (kind === IdentifierKind.name) {
    if (value.length > Limits.nameLength)
      return `must be at most ${Limits.nameLength} characters, has ${value.length}`;
  } else {
    const max = kind === IdentifierKind.id ? Limits.idBytes : Limits.namespaceBytes;
    const bytes = utf8Bytes(value);
    if (bytes > max) return `must be at most ${max} bytes of UTF-8, has ${bytes}`;
  }
  const text = textProblem(value);
  if (text !== undefined) return text;
  if (kind !== IdentifierKind.id) {
    if (value.trim() !== value) return "must not start or end with whitespace";
    if (/[\u0000-\u001f\u007f]/.test(value)) return "must not contain control characters";
  }
  return undefined;
}

/**
 * Returns `value` when it is a valid identifier of `kind`, else throws `InvalidIdentifierError`
 * naming `what` (e.g. "workflow id", "signal name").
 *
 * @example
 * ```ts
 * checkIdentifier(IdentifierKind.id, options.id, "workflow id");
 * ```
 */
export function checkIdentifier(kind: IdentifierKind, value: unknown, what: string): string {
  const problem = identifierProblem(kind, value);
  if (problem !== undefined)
    throw new InvalidIdentifierError(what, problem, describeValue(value), hints[kind]);
  return value as string;
}

/** {@link checkIdentifier} for an optional argument: `undefined` passes through. */
export function checkOptionalIdentifier(
  kind: IdentifierKind,
  value: unknown,
  what: string,
): string | undefined {
  return value === undefined ? undefined : checkIdentifier(kind, value, what);
}

/** Free text stored as is (a cancellation reason): bounded, no NUL, no lone surrogates. */
export function checkFreeText(value: unknown, what: string, maxBytes: number = Limits.reasonBytes): string {
  let problem: string | undefined;
  if (typeof value !== "string") problem = `must be a string, not ${value === null ? "null" : typeof value}`;
  else if (utf8Bytes(value) > maxBytes) problem = `must be at most ${maxBytes} bytes of UTF-8`;
  else problem = textProblem(value);
  if (problem !== undefined)
    throw new InvalidIdentifierError(
      what,
      problem,
      describeValue(value),
      `pass ${what} as text of at most ${maxBytes} bytes without NUL characters`,
    );
  return value as string;
}

/**
 * The namespace filter that means every namespace, where an operation is otherwise scoped to
 * one (`client.list({ namespace: "*" })`, the inspector, the CLI's `--namespace '*'`). It is
 * not a namespace a run can be started in.
 */
export const ALL_NAMESPACES = "*";

/** The namespace an operation is scoped to: undefined (every namespace) for `*`, else `value`. */
export function namespaceScope(value: string | undefined): string | undefined {
  return value === ALL_NAMESPACES ? undefined : value;
}
