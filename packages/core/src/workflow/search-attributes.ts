import { InvalidAttributesError } from "../errors/validation-errors.ts";
import { checkAttributes } from "../validation/attributes.ts";
import { identifierProblem, IdentifierKind } from "../validation/identifier.ts";

/**
 * The types a search attribute can be declared with (`workflow(name, { searchAttributes })`):
 * - `keyword`: a short string matched whole (ids, states, customer keys), at most 256 characters;
 * - `text`: any string;
 * - `int`: a safe integer; `double`: a finite number; `bool`: true or false;
 * - `datetime`: an ISO 8601 instant with its offset, e.g. `"2026-12-07T03:00:00.000Z"`;
 * - `keyword[]`: a list of keywords (tags).
 */
export const SearchAttributeType = {
  keyword: "keyword",
  text: "text",
  int: "int",
  double: "double",
  bool: "bool",
  datetime: "datetime",
  keywordList: "keyword[]",
} as const;
export type SearchAttributeType = (typeof SearchAttributeType)[keyof typeof SearchAttributeType];

/** A workflow's declared search attributes: name to type. */
export type SearchAttributeDeclarations = Readonly<Record<string, SearchAttributeType>>;

/** Longest keyword (and keyword list entry). */
export const maxKeywordLength = 256;

const types = new Set<string>(Object.values(SearchAttributeType));
const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** True when `value` is an ISO 8601 instant with its offset (a `datetime` value). */
export function isIsoInstant(value: unknown): value is string {
  return typeof value === "string" && isoInstant.test(value) && !Number.isNaN(Date.parse(value));
}

/** Why `declarations` cannot be a workflow's search attribute declarations, or undefined. */
export function searchAttributeDeclarationsProblem(declarations: unknown): string | undefined {
  if (typeof declarations !== "object" || declarations === null || Array.isArray(declarations))
    return "must be an object of attribute name to type";
  for (const [name, type] of Object.entries(declarations)) {
    const problem = identifierProblem(IdentifierKind.name, name);
    if (problem !== undefined)
      return `has a bad attribute name ${JSON.stringify(name.slice(0, 48))}: ${problem}`;
    if (typeof type !== "string" || !types.has(type))
      return `declares ${name} as ${JSON.stringify(type)}; the types are ${[...types].join(", ")}`;
  }
  return undefined;
}

/** A value of `type`, as code: what fix lines show. */
export function exampleOf(type: SearchAttributeType): string {
  const examples: Record<SearchAttributeType, string> = {
    keyword: '"c-42"',
    text: '"any text"',
    int: "42",
    double: "42.5",
    bool: "true",
    datetime: '"2026-12-07T03:00:00Z"',
    "keyword[]": '["vip", "eu"]',
  };
  return examples[type];
}

/** Why `value` is not a value of `type`, or undefined when it is. */
export function valueProblem(type: SearchAttributeType, value: unknown): string | undefined {
  switch (type) {
    case "keyword":
      return typeof value === "string" && value.length <= maxKeywordLength
        ? undefined
        : `must be a string of at most ${maxKeywordLength} characters (keyword)`;
    case "text":
      return typeof value === "string" ? undefined : "must be a string (text)";
    case "int":
      return Number.isSafeInteger(value) ? undefined : "must be a safe integer (int)";
    case "double":
      return typeof value === "number" && Number.isFinite(value)
        ? undefined
        : "must be a finite number (double)";
    case "bool":
      return typeof value === "boolean" ? undefined : "must be true or false (bool)";
    case "datetime":
      return isIsoInstant(value)
        ? undefined
        : 'must be an ISO 8601 instant with its offset, e.g. "2026-12-07T03:00:00.000Z" (datetime)';
    case "keyword[]":
      return Array.isArray(value) &&
        value.every((entry) => typeof entry === "string" && entry.length <= maxKeywordLength)
        ? undefined
        : `must be a list of strings of at most ${maxKeywordLength} characters (keyword[])`;
    default: {
      const unknown: never = type;
      return `has an unknown type ${String(unknown)}`;
    }
  }
}

/**
 * Checks attributes given to a start of a workflow that declares its search attributes: every
 * key declared, every value of its declared type (null clears nothing and is refused). Throws
 * `InvalidAttributesError` (CTM_INVALID_ATTRIBUTES) naming the attribute, before anything is
 * stored. A workflow without declarations takes plain JSON, as before.
 *
 * @example
 * ```ts
 * checkDeclaredAttributes("order", { customer: "keyword", total: "double" }, { customer: "c-1", total: 42.5 });
 * ```
 */
export function checkDeclaredAttributes(
  workflowName: string,
  declarations: SearchAttributeDeclarations,
  attributes: Readonly<Record<string, unknown>>,
): void {
  for (const [name, value] of Object.entries(attributes)) {
    const type = declarations[name];
    if (type === undefined)
      throw new InvalidAttributesError(
        `attributes.${name.slice(0, 48)}`,
        `is not declared by workflow ${workflowName} (declared: ${Object.keys(declarations).join(", ") || "none"})`,
      );
    const problem = valueProblem(type, value);
    if (problem !== undefined) throw new InvalidAttributesError(`attributes.${name.slice(0, 48)}`, problem);
  }
}

/**
 * Checks a `setAttributes(...)` call from workflow code, before anything is journaled: a
 * non-empty plain-JSON object (the limits of start's attributes), and for a workflow that
 * declares its search attributes every name declared and every value of its type or null
 * (null removes the attribute). Throws `InvalidAttributesError` (CTM_INVALID_ATTRIBUTES) with a
 * fix line naming the attribute's declared type.
 *
 * @example
 * ```ts
 * checkAttributeUpdate("order", { status: "keyword" }, { status: "shipped" }); // fine
 * checkAttributeUpdate("order", { total: "double" }, { total: "12" }); // throws CTM_INVALID_ATTRIBUTES
 * ```
 */
export function checkAttributeUpdate(
  workflowName: string,
  declarations: SearchAttributeDeclarations | undefined,
  attributes: unknown,
): asserts attributes is Readonly<Record<string, unknown>> {
  checkAttributes(attributes);
  const entries = Object.entries(attributes as Record<string, unknown>);
  if (entries.length === 0)
    throw new InvalidAttributesError(
      "attributes",
      "is empty: setAttributes sets at least one attribute",
      'pass the names to set, e.g. setAttributes({ status: "shipped" }); null removes one',
    );
  if (declarations === undefined) return;
  const declared = Object.keys(declarations);
  for (const [name, value] of entries) {
    const path = `attributes.${name.slice(0, 48)}`;
    const type = declarations[name];
    if (type === undefined)
      throw new InvalidAttributesError(
        path,
        `is not declared by workflow ${workflowName} (declared: ${declared.join(", ") || "none"})`,
        `declare it in workflow(${JSON.stringify(workflowName)}, { searchAttributes: { ${name.slice(0, 48)}: "keyword" } }) or set one of ${declared.join(", ") || "no attribute"}`,
      );
    if (value === null) continue;
    const problem = valueProblem(type, value);
    if (problem !== undefined)
      throw new InvalidAttributesError(
        path,
        problem,
        `${name.slice(0, 48)} is declared ${type}: pass e.g. setAttributes({ ${name.slice(0, 48)}: ${exampleOf(type)} }), or null to remove it`,
      );
  }
}
