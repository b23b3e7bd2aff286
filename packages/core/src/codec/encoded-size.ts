import type { Encoded } from "../model/payload.ts";

/**
 * Bytes of the payload's JSON text in UTF-8: what the journal stores, and what payload
 * limits (`PayloadTooLargeError`) are measured in.
 *
 * @example
 * ```ts
 * encodedSize(encode({ a: "é" })); // 10: {"a":"é"} with é taking 2 bytes
 * ```
 */
export function encodedSize(encoded: Encoded): number {
  return utf8Bytes(JSON.stringify(encoded));
}

/**
 * Length of `value` in UTF-8 bytes, without encoding it (a lone surrogate counts as the 3 bytes
 * of U+FFFD, as TextEncoder writes it).
 */
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
