// Every page is built with the `html` tagged template: each interpolation is escaped unless it
// is already an `Html` value (produced by `html` itself or by `trusted`). Escaping is the
// default, so a workflow name, an id, a payload or an error message can never become markup.

/** A fragment of markup that is already safe to emit. Only `html` and `trusted` make one. */
export class Html {
  readonly #text: string;
  constructor(text: string) {
    this.#text = text;
  }
  toString(): string {
    return this.#text;
  }
}

const entities: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/** Escapes text for an HTML text node or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => entities[c]!);
}

/**
 * Marks a string as markup. Only for constants written in this package (never for data): the
 * one way around escaping, so it is easy to audit (`grep trusted(`).
 */
export function trusted(markup: string): Html {
  return new Html(markup);
}

/** What an interpolation may be: text (escaped), numbers, markup, nothing, or a list of these. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.toString();
  if (value === null || value === undefined || value === false) return "";
  if (Array.isArray(value)) return value.map((v: HtmlValue) => render(v)).join("");
  return escapeHtml(String(value));
}

/**
 * The tagged template of every page: interpolations are escaped unless they are `Html`.
 *
 * @example
 * ```ts
 * const row = html`<td title="${run.workflowName}">${run.workflowName}</td>`; // escaped twice-safe
 * const page = html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`;     // nested markup kept
 * ```
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}
