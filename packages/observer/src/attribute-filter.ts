import {
  allOf,
  anyOf,
  attr,
  attributeScopeOf,
  checkQueryTypes,
  type AttributeCondition,
  type DeclaringWorkflow,
  type SearchAttributeType,
} from "@continuum/core";
import { html, type Html } from "./html.ts";

/**
 * The typed attribute filter of the runs page: rows of attribute, operator and value, read from
 * the URL (`qa`, `qo`, `qv`, `qt`, repeated; `qm=any` for OR), turned into an `attr()` query of
 * core's builder. No string syntax reaches the read model: names and values travel as data, and
 * values are typed by the declared search attributes (`ObserverOptions.workflows`).
 */
export const attributeOperators = {
  eq: "=",
  gt: ">",
  gte: "≥",
  lt: "<",
  lte: "≤",
  between: "between",
  prefix: "starts with",
  in: "one of",
  contains: "has",
} as const;
export type AttributeOperator = keyof typeof attributeOperators;

/** One row of the filter, as typed (text, for the form). */
export interface AttributeFilterRow {
  readonly name: string;
  readonly op: AttributeOperator;
  readonly value: string;
  /** The upper bound of `between`. */
  readonly to: string;
}

/** How the rows combine: all of them (AND) or any (OR). */
export type AttributeMatch = "all" | "any";

/** Most rows one URL may carry (the form shows one more, empty, below the filled ones). */
export const maxAttributeRows = 6;

/**
 * The rows of the URL, in order: each `qa` starts a row, and the `qo`, `qv`, `qt` after it (up to
 * the next `qa`) fill it, so a hand-written link may leave out a row's operator (`eq`) or bound.
 * Rows without a name or value are dropped, an unknown operator reads as `eq`.
 */
export function readAttributeRows(url: URL): AttributeFilterRow[] {
  const rows: { name: string; op: string; value: string; to: string }[] = [];
  for (const [key, raw] of url.searchParams) {
    const text = raw.trim().slice(0, 500);
    if (key === "qa") rows.push({ name: text, op: "eq", value: "", to: "" });
    const row = rows.at(-1);
    if (row === undefined) continue;
    if (key === "qo") row.op = text;
    else if (key === "qv") row.value = text;
    else if (key === "qt") row.to = text;
  }
  return rows
    .filter((row) => row.name !== "" && row.value !== "")
    .slice(0, maxAttributeRows)
    .map((row) => ({
      ...row,
      op: Object.hasOwn(attributeOperators, row.op) ? (row.op as AttributeOperator) : "eq",
    }));
}

/** `any` when the URL asks for OR, else `all`. */
export function readAttributeMatch(url: URL): AttributeMatch {
  return url.searchParams.get("qm") === "any" ? "any" : "all";
}

/** Appends the rows (and the match mode) to `params`, for links that keep the filter. */
export function appendAttributeRows(
  params: URLSearchParams,
  rows: readonly AttributeFilterRow[],
  match: AttributeMatch,
): void {
  for (const row of rows) {
    params.append("qa", row.name);
    params.append("qo", row.op);
    params.append("qv", row.value);
    params.append("qt", row.to);
  }
  if (match === "any" && rows.length > 1) params.set("qm", "any");
}

type Types = ReadonlySet<SearchAttributeType> | undefined;

/**
 * A typed value from form text: a number for a numeric attribute, a boolean for a bool, an
 * instant (UTC when the text names no zone) for a datetime, text for a keyword. Without a
 * declaration the text is read as a number or boolean when it is one. A value that fits no
 * declared type stays text: core's check then says what the attribute takes.
 */
function typed(text: string, types: Types, range: boolean): string | number | boolean {
  const number = text !== "" && Number.isFinite(Number(text)) ? Number(text) : undefined;
  const has = (...t: SearchAttributeType[]) => types !== undefined && t.some((x) => types.has(x));
  if (types === undefined) {
    if (number !== undefined) return number;
    if (!range && (text === "true" || text === "false")) return text === "true";
    return range ? instant(text) : text;
  }
  if (number !== undefined && has("int", "double")) return number;
  if ((text === "true" || text === "false") && has("bool")) return text === "true";
  if (has("datetime") && !has("keyword", "text")) return instant(text);
  return text;
}

/** `2026-12-07` and `2026-12-07T08:00` (a datetime-local input) as UTC ISO instants; other text unchanged. */
function instant(text: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return `${text}T00:00:00Z`;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/.test(text)) return `${text}Z`;
  return text;
}

function condition(row: AttributeFilterRow, types: Types): AttributeCondition {
  const ref = attr(row.name);
  const value = (range: boolean) => typed(row.value, types, range);
  // A bound is a number when it reads as one (int, double), else an instant (datetime): what
  // a range takes; core's check then names a range on any other type.
  const bound = (text: string): number | string =>
    text !== "" && Number.isFinite(Number(text)) ? Number(text) : instant(text);
  switch (row.op) {
    case "eq":
      return ref.eq(value(false));
    case "gt":
      return ref.gt(bound(row.value));
    case "gte":
      return ref.gte(bound(row.value));
    case "lt":
      return ref.lt(bound(row.value));
    case "lte":
      return ref.lte(bound(row.value));
    case "between":
      return row.to === "" ? ref.gte(bound(row.value)) : ref.between(bound(row.value), bound(row.to));
    case "prefix":
      return ref.startsWith(row.value);
    case "in":
      return ref.in(
        row.value
          .split(",")
          .map((v) => v.trim())
          .filter((v) => v !== "")
          .map((v) => typed(v, types, false)),
      );
    case "contains":
      return ref.contains(row.value);
    default:
      return ref.eq(row.value);
  }
}

/**
 * The `where` query of the rows (undefined without rows), checked against the declarations of
 * `workflows` for `workflowName` (every workflow when empty). Throws core's
 * `InvalidAttributeQueryError` (CTM_INVALID_ATTRIBUTE_QUERY, with a fix line) for a value of the
 * wrong type, a range on a keyword, an undeclared name.
 */
export function attributeWhere(
  rows: readonly AttributeFilterRow[],
  match: AttributeMatch,
  workflows: readonly DeclaringWorkflow[],
  workflowName: string,
): AttributeCondition | undefined {
  if (rows.length === 0) return undefined;
  const scope = attributeScopeOf(workflows, workflowName === "" ? undefined : workflowName);
  const conditions = rows.map((row) => condition(row, scope?.types.get(row.name)));
  const where = conditions.length === 1 ? conditions[0]! : (match === "any" ? anyOf : allOf)(...conditions);
  const plain = JSON.parse(JSON.stringify(where)) as AttributeCondition;
  checkQueryTypes(plain, undefined, scope);
  return plain;
}

/** The fieldset of the filter form: the rows, one empty row, the match mode and the declared names. */
export function attributeFieldset(
  rows: readonly AttributeFilterRow[],
  match: AttributeMatch,
  workflows: readonly DeclaringWorkflow[],
): Html {
  const declared = new Map<string, Set<string>>();
  for (const w of workflows)
    for (const [name, type] of Object.entries(w.searchAttributes ?? {}))
      declared.set(name, (declared.get(name) ?? new Set()).add(type));
  const shown =
    rows.length < maxAttributeRows ? [...rows, { name: "", op: "eq", value: "", to: "" } as const] : rows;
  const row = (r: AttributeFilterRow, i: number) =>
    html`<div class="attr-row" data-attr-row="${i}">
      <label
        ><span>Attribute</span
        ><input
          type="text"
          name="qa"
          value="${r.name}"
          list="declared-attributes"
          placeholder="name"
          autocomplete="off"
      /></label>
      <label
        ><span>Operator</span
        ><select name="qo">
          ${Object.entries(attributeOperators).map(
            ([op, label]) =>
              html`<option value="${op}" ${op === r.op ? html`selected` : ""}>${label}</option>`,
          )}
        </select></label
      >
      <label
        ><span>Value</span
        ><input type="text" name="qv" value="${r.value}" placeholder="value (a, b for one of)"
      /></label>
      <label
        ><span>and</span><input type="text" name="qt" value="${r.to}" placeholder="upper bound (between)"
      /></label>
    </div>`;
  return html`<fieldset class="attr-filter">
    <legend>Attribute query</legend>
    ${shown.map(row)}
    <label class="attr-match"
      ><span>Match</span
      ><select name="qm">
        <option value="all" ${match === "all" ? html`selected` : ""}>all rows</option>
        <option value="any" ${match === "any" ? html`selected` : ""}>any row</option>
      </select></label
    >
    <datalist id="declared-attributes">
      ${[...declared].map(([name, types]) => html`<option value="${name}">${[...types].join(" or ")}</option>`)}
    </datalist>
  </fieldset>`;
}
