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

/** Length of `value` in UTF-8 bytes (a lone surrogate counts as the 3 bytes of U+FFFD). */
export function utf8Bytes(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

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
