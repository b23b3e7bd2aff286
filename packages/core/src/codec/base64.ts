/**
 * Base64 for byte payloads without node:buffer, so the codec stays usable from replay code
 * and browsers. Encoding is table-driven into an ASCII byte buffer (one TextDecoder pass
 * instead of building a binary string), which keeps a 1 MiB payload in the low milliseconds.
 */
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const codes = Uint8Array.from(alphabet, (c) => c.charCodeAt(0));
const pad = "=".charCodeAt(0);
const ascii = new TextDecoder("latin1");

/** Standard base64 (RFC 4648, with padding). */
export function bytesToBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = codes[v >>> 18]!;
    out[o++] = codes[(v >>> 12) & 63]!;
    out[o++] = codes[(v >>> 6) & 63]!;
    out[o++] = codes[v & 63]!;
  }
  if (i < n) {
    const v = (bytes[i]! << 16) | (i + 1 < n ? bytes[i + 1]! << 8 : 0);
    out[o++] = codes[v >>> 18]!;
    out[o++] = codes[(v >>> 12) & 63]!;
    out[o++] = i + 1 < n ? codes[(v >>> 6) & 63]! : pad;
    out[o++] = pad;
  }
  return ascii.decode(out);
}

/** Inverse of {@link bytesToBase64}; throws on text that is not base64. */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
