// Text facts shared by the validators: what PostgreSQL refuses in text and jsonb, and how to
// show a refused value without echoing it whole.

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why PostgreSQL could not store `value` as text or inside jsonb, or undefined: a NUL character
 * (pg 22021 in text, 22P05 in jsonb) or a lone UTF-16 surrogate (not valid Unicode: refused by
 * jsonb, silently replaced by U+FFFD on the way into a text column).
 */
export function textProblem(value: string): string | undefined {
  if (value.includes("\u0000")) return "must not contain NUL characters (U+0000)";
  if (loneSurrogate.test(value)) return "must be valid Unicode (it holds a lone surrogate)";
  return undefined;
}

/** Length of `value` in UTF-8 bytes: the codec's count, so limits and payload sizes agree. */
export { utf8Bytes } from "../codec/encoded-size.ts";

/**
 * A short, printable, storable picture of a refused value for messages: at most ~60
 * characters, strings JSON-escaped (NUL and lone surrogates become `\u0000`, `\ud800`).
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    const shown = JSON.stringify(value.length > 48 ? value.slice(0, 48) : value);
    return value.length > 48 ? `${shown.slice(0, -1)}..." (${value.length} characters)` : shown;
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return `${typeof value} ${String(value)}`;
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
