import { InvalidAttributesError } from "../errors/validation-errors.ts";
import { Limits } from "./limits.ts";
import { identifierProblem, IdentifierKind } from "./identifier.ts";
import { textProblem, utf8Bytes } from "./text.ts";

/**
 * Checks search attributes (at `start`, and as a `list` filter): a plain object whose keys are
 * names and whose values are plain JSON (no NUL, no lone surrogates, finite numbers; jsonb
 * refuses the rest with 22P05), at most {@link Limits.attributesDepth} deep and
 * {@link Limits.attributesBytes} bytes of JSON in all. Throws `InvalidAttributesError` naming
 * the path.
 *
 * @example
 * ```ts
 * checkAttributes({ customer: "c-1", total: 42 });
 * ```
 */
export function checkAttributes(value: unknown): void {
  if (!isPlainObject(value)) throw new InvalidAttributesError("attributes", "must be a plain object");
  for (const [key, entry] of Object.entries(value)) {
    const problem = identifierProblem(IdentifierKind.name, key);
    if (problem !== undefined)
      throw new InvalidAttributesError(`key ${JSON.stringify(key.slice(0, 48))}`, problem);
    checkJson(entry, `attributes.${key.slice(0, 48)}`, 1);
  }
  const bytes = utf8Bytes(JSON.stringify(value));
  if (bytes > Limits.attributesBytes)
    throw new InvalidAttributesError(
      "attributes",
      `are ${bytes} bytes as JSON, over the limit of ${Limits.attributesBytes}`,
    );
}

function checkJson(value: unknown, path: string, depth: number): void {
  if (depth > Limits.attributesDepth)
    throw new InvalidAttributesError(path, `nests deeper than ${Limits.attributesDepth} levels`);
  if (value === null || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new InvalidAttributesError(path, "must be a finite number");
    return;
  }
  if (typeof value === "string") {
    const problem = textProblem(value);
    if (problem !== undefined) throw new InvalidAttributesError(path, problem);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkJson(item, `${path}[${i}]`, depth + 1));
    return;
  }
  if (isPlainObject(value)) {
    for (const [key, entry] of Object.entries(value)) {
      const problem = textProblem(key);
      if (problem !== undefined) throw new InvalidAttributesError(`${path} key`, problem);
      checkJson(entry, `${path}.${key.slice(0, 48)}`, depth + 1);
    }
    return;
  }
  throw new InvalidAttributesError(path, `is ${typeof value}, not plain JSON`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
