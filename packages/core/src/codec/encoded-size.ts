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
  const text = JSON.stringify(encoded);
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
