import { InvalidAttributeQueryError } from "../errors/validation-errors.ts";
import type { AttributeCondition, RunOrder } from "../model/attribute-query.ts";
import {
  exampleOf,
  isIsoInstant,
  type SearchAttributeDeclarations,
  type SearchAttributeType,
} from "../workflow/search-attributes.ts";
import { describeValue } from "./text.ts";

/** What the query checker needs of a workflow definition: its name and its declarations. */
export interface DeclaringWorkflow {
  readonly name: string;
  readonly searchAttributes?: SearchAttributeDeclarations;
}

/**
 * The attribute types a query may be checked against: each name with the types the workflows in
 * scope declare it with (two workflows may declare one name differently; a value fits if it fits
 * one), and whether a name no workflow declares is refused (`closed`: every workflow in scope
 * declares its attributes).
 */
export interface AttributeScope {
  readonly types: ReadonlyMap<string, ReadonlySet<SearchAttributeType>>;
  readonly closed: boolean;
  /** Who declared them, for messages: a workflow name, or "the known workflows". */
  readonly declaredBy: string;
}

/**
 * The declarations a query of `workflowName` (or of every workflow, when absent) is checked
 * against, from the definitions a client or inspector was given. Undefined when none in scope
 * declares anything: the query is then only checked for its shape, as before.
 */
export function attributeScopeOf(
  definitions: readonly DeclaringWorkflow[],
  workflowName: string | undefined,
): AttributeScope | undefined {
  const inScope = definitions.filter((d) => workflowName === undefined || d.name === workflowName);
  if (!inScope.some((d) => d.searchAttributes !== undefined)) return undefined;
  const types = new Map<string, Set<SearchAttributeType>>();
  for (const d of inScope)
    for (const [name, type] of Object.entries(d.searchAttributes ?? {})) {
      const set = types.get(name) ?? new Set<SearchAttributeType>();
      set.add(type);
      types.set(name, set);
    }
  return {
    types,
    closed: inScope.every((d) => d.searchAttributes !== undefined),
    declaredBy: workflowName === undefined ? "the known workflows" : `workflow ${workflowName}`,
  };
}

const numeric: ReadonlySet<SearchAttributeType> = new Set(["int", "double"]);
const strings: ReadonlySet<SearchAttributeType> = new Set(["keyword", "text"]);

/** Whether `value` is a value of `type` for equality (`eq`, `in`). */
function fitsEquality(type: SearchAttributeType, value: unknown): boolean {
  switch (type) {
    case "keyword":
    case "text":
      return typeof value === "string";
    case "int":
      return Number.isSafeInteger(value);
    case "double":
      return typeof value === "number";
    case "bool":
      return typeof value === "boolean";
    case "datetime":
      return isIsoInstant(value);
    case "keyword[]":
      return false;
    default:
      return false;
  }
}

/** The builder calls that suit `types`: what a fix line proposes. */
function suggestion(name: string, types: ReadonlySet<SearchAttributeType>): string {
  const short = name.slice(0, 48);
  const first = [...types][0] ?? "keyword";
  const example = exampleOf(first);
  const declared = `${short} is declared ${[...types].join(" or ")}`;
  if (first === "keyword[]")
    return `${declared}: use attr(${JSON.stringify(short)}).contains("vip") or .containsAny(["vip", "eu"])`;
  if (numeric.has(first) || first === "datetime")
    return `${declared}: use attr(${JSON.stringify(short)}).eq(${example}), .gte(${example}) or .between(low, high) with values of that type`;
  if (first === "bool") return `${declared}: use attr(${JSON.stringify(short)}).eq(true)`;
  return `${declared}: use attr(${JSON.stringify(short)}).eq(${example}), .in([...]) or .startsWith("c-")`;
}

/**
 * Checks a shape-checked `where` (and `orderBy`) against declared attribute types: a name the
 * scope does not declare (when every workflow in it declares), a value of another type, a range
 * on a keyword, a prefix on a number, `contains` on a scalar. Throws `InvalidAttributeQueryError`
 * (CTM_INVALID_ATTRIBUTE_QUERY) naming the path, with a fix line for that attribute's type.
 *
 * @example
 * ```ts
 * const scope = attributeScopeOf([orderFlow], "order"); // { customer: keyword, total: double }
 * checkQueryTypes(attr("total").gte("100"), undefined, scope); // throws: total is declared double
 * ```
 */
export function checkQueryTypes(
  where: AttributeCondition | undefined,
  orderBy: RunOrder | undefined,
  scope: AttributeScope | undefined,
): void {
  if (scope === undefined) return;
  const typesOf = (namePath: string, name: string): ReadonlySet<SearchAttributeType> | undefined => {
    const types = scope.types.get(name);
    if (types === undefined && scope.closed) {
      const declared = [...scope.types.keys()];
      throw new InvalidAttributeQueryError(
        namePath,
        `${JSON.stringify(name.slice(0, 48))} is not declared by ${scope.declaredBy} (declared: ${declared.join(", ") || "none"})`,
        `query one of the declared attributes (${declared.join(", ") || "none"}), or declare it in the workflow's searchAttributes`,
      );
    }
    return types;
  };
  const fail = (
    path: string,
    name: string,
    types: ReadonlySet<SearchAttributeType>,
    problem: string,
  ): never => {
    throw new InvalidAttributeQueryError(path, problem, suggestion(name, types));
  };
  const visit = (c: AttributeCondition, path: string): void => {
    if (c.kind === "and" || c.kind === "or") {
      c.conditions.forEach((child, i) => visit(child, `${path}.conditions[${i}]`));
      return;
    }
    const types = typesOf(`${path}.name`, c.name);
    if (types === undefined) return;
    const has = (set: ReadonlySet<SearchAttributeType>) => [...types].some((t) => set.has(t));
    switch (c.kind) {
      case "eq":
        if (![...types].some((t) => fitsEquality(t, c.value)))
          fail(
            `${path}.value`,
            c.name,
            types,
            `${describeValue(c.value)} is not a value of ${[...types].join(" or ")}`,
          );
        return;
      case "in":
        c.values.forEach((value, i) => {
          if (![...types].some((t) => fitsEquality(t, value)))
            fail(
              `${path}.values[${i}]`,
              c.name,
              types,
              `${describeValue(value)} is not a value of ${[...types].join(" or ")}`,
            );
        });
        return;
      case "range": {
        const bound = c.gt ?? c.gte ?? c.lt ?? c.lte;
        const ok = typeof bound === "number" ? has(numeric) : types.has("datetime");
        if (!ok)
          fail(
            path,
            c.name,
            types,
            `is a range with ${typeof bound === "number" ? "numeric" : "datetime"} bounds, but the attribute is ${[...types].join(" or ")}`,
          );
        return;
      }
      case "prefix":
        if (!has(strings))
          fail(path, c.name, types, `is a prefix match, but the attribute is ${[...types].join(" or ")}`);
        return;
      case "contains":
      case "containsAny":
        if (!types.has("keyword[]"))
          fail(
            path,
            c.name,
            types,
            `is a list match (${c.kind}), but the attribute is ${[...types].join(" or ")}`,
          );
        return;
      default:
        return;
    }
  };
  if (where !== undefined) visit(where, "where");
  if (orderBy?.by === "attribute") {
    const types = typesOf("orderBy.attribute", orderBy.attribute);
    if (types !== undefined && [...types].every((t) => t === "keyword[]"))
      fail(
        "orderBy.attribute",
        orderBy.attribute,
        types,
        "is a list attribute (keyword[]): runs cannot be ordered by it",
      );
  }
}
