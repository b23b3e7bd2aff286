import type { Encoded, SerializedError } from "../model/payload.ts";
import { MalformedPayloadError } from "../errors/codec-errors.ts";
import { base64ToBytes } from "./base64.ts";
import { TAG, Tag, byteViewTypes, propertyPath } from "./codec-format.ts";
import { deserializeError } from "./error-codec.ts";
import { payloadClassNamed } from "./payload-classes.ts";

/**
 * Turns an encoded payload back into the value that was encoded: the exact inverse of
 * `encode`. JSON without `"$t"` keys decodes as itself. Throws `MalformedPayloadError` on a
 * tag it does not know or a tag with the wrong shape.
 *
 * @example
 * ```ts
 * decode({ $t: "bigint", v: "12" }); // 12n
 * ```
 */
export function decode(encoded: Encoded, path = "payload"): unknown {
  try {
    return decodeValue(encoded, path);
  } catch (error) {
    if (error instanceof RangeError && /call stack/i.test(error.message))
      throw new MalformedPayloadError(path, "nested too deeply for the call stack");
    throw error;
  }
}

function decodeValue(encoded: Encoded, path: string): unknown {
  if (encoded === null || typeof encoded !== "object") return encoded;
  if (Array.isArray(encoded))
    return (encoded as readonly Encoded[]).map((item, i) => decodeValue(item, `${path}[${i}]`));
  const record = encoded as { readonly [key: string]: Encoded };
  if (Object.hasOwn(record, TAG)) return decodeTagged(record, path);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) setOwn(out, key, decodeValue(record[key]!, propertyPath(path, key)));
  return out;
}

/** Decodes a string written by `encodeString`. */
export function decodeString(encoded: Encoded, path: string): string {
  if (typeof encoded === "string") return encoded;
  const record = asRecord(encoded, path, "a string");
  if (record[TAG] !== Tag.string) throw new MalformedPayloadError(path, "expected a string");
  const parts = asArray(record.v, path);
  let out = "";
  for (const part of parts) {
    if (typeof part === "string") out += part;
    else if (typeof part === "number" && Number.isInteger(part) && part >= 0 && part <= 0xffff)
      out += String.fromCharCode(part);
    else throw new MalformedPayloadError(path, "string parts must be text or UTF-16 code units");
  }
  return out;
}

function decodeTagged(record: { readonly [key: string]: Encoded }, path: string): unknown {
  const tag = record[TAG];
  switch (tag) {
    case Tag.undefined:
      return undefined;
    case Tag.number:
      return decodeSpecialNumber(record.v, path);
    case Tag.bigint:
      if (typeof record.v !== "string" || !/^-?\d+$/.test(record.v))
        throw new MalformedPayloadError(path, "bigint needs a decimal string");
      return BigInt(record.v);
    case Tag.string:
      return decodeString(record, path);
    case Tag.date: {
      if (record.v === null) return new Date(Number.NaN);
      const date = new Date(typeof record.v === "string" ? record.v : Number.NaN);
      if (Number.isNaN(date.getTime()))
        throw new MalformedPayloadError(path, "date needs an ISO timestamp or null");
      return date;
    }
    case Tag.regexp:
      if (typeof record.flags !== "string") throw new MalformedPayloadError(path, "regexp needs flags");
      return new RegExp(decodeString(record.v ?? null, path), record.flags);
    case Tag.map: {
      const map = new Map<unknown, unknown>();
      asArray(record.v, path).forEach((entry, i) => {
        const pair = asArray(entry, path);
        if (pair.length !== 2) throw new MalformedPayloadError(path, "map entries are [key, value] pairs");
        map.set(
          decodeValue(pair[0]!, `${path}.keys()[${i}]`),
          decodeValue(pair[1]!, `${path}.values()[${i}]`),
        );
      });
      return map;
    }
    case Tag.set:
      return new Set(asArray(record.v, path).map((item, i) => decodeValue(item, `${path}.values()[${i}]`)));
    case Tag.bytes:
      return decodeView(record, path);
    case Tag.arraybuffer:
      return base64(record.v, path).buffer;
    case Tag.sparse:
      return decodeSparse(record, path);
    case Tag.object:
      return decodeEscapedObject(record, path);
    case Tag.error:
      return deserializeError(
        asRecord(record.v ?? null, path, "a serialized error") as unknown as SerializedError,
      );
    case Tag.class: {
      const registered = typeof record.name === "string" ? payloadClassNamed(record.name) : undefined;
      if (registered === undefined) {
        throw new MalformedPayloadError(
          path,
          `class ${JSON.stringify(record.name)} is not registered in this process (call registerPayloadClass before decoding)`,
        );
      }
      return registered.codec.fromData(decodeValue(record.v ?? null, `${path}<${registered.name}>`));
    }
    default:
      throw new MalformedPayloadError(path, `unknown tag ${JSON.stringify(tag)}`);
  }
}

function decodeSpecialNumber(v: Encoded | undefined, path: string): number {
  switch (v) {
    case "NaN":
      return Number.NaN;
    case "Infinity":
      return Number.POSITIVE_INFINITY;
    case "-Infinity":
      return Number.NEGATIVE_INFINITY;
    case "-0":
      return -0;
    default:
      throw new MalformedPayloadError(path, "number tag needs NaN, Infinity, -Infinity or -0");
  }
}

type ViewConstructor = new (buffer: ArrayBuffer, byteOffset?: number, length?: number) => ArrayBufferView;

function decodeView(record: { readonly [key: string]: Encoded }, path: string): ArrayBufferView {
  const type = record.type;
  if (typeof type !== "string" || !(byteViewTypes as readonly string[]).includes(type)) {
    throw new MalformedPayloadError(path, `unknown byte view type ${JSON.stringify(type)}`);
  }
  const bytes = base64(record.v, path);
  if (type === "Buffer") {
    const buffer = (globalThis as { Buffer?: { from(b: ArrayBuffer): ArrayBufferView } }).Buffer;
    return buffer === undefined ? bytes : buffer.from(bytes.buffer);
  }
  const ctor = (globalThis as Record<string, unknown>)[type] as
    (ViewConstructor & { BYTES_PER_ELEMENT?: number }) | undefined;
  if (ctor === undefined) throw new MalformedPayloadError(path, `${type} is not available in this runtime`);
  const size = ctor.BYTES_PER_ELEMENT ?? 1;
  if (bytes.byteLength % size !== 0)
    throw new MalformedPayloadError(path, `${type} byte length must be a multiple of ${size}`);
  return type === "DataView" ? new ctor(bytes.buffer) : new ctor(bytes.buffer, 0, bytes.byteLength / size);
}

function decodeSparse(record: { readonly [key: string]: Encoded }, path: string): unknown[] {
  const length = record.length;
  if (typeof length !== "number" || !Number.isInteger(length) || length < 0 || length > 2 ** 32 - 1) {
    throw new MalformedPayloadError(path, "sparse array needs a valid length");
  }
  const out: unknown[] = new Array<unknown>(length);
  for (const entry of asArray(record.v, path)) {
    const pair = asArray(entry, path);
    const index = pair[0];
    if (
      pair.length !== 2 ||
      typeof index !== "number" ||
      !Number.isInteger(index) ||
      index < 0 ||
      index >= length
    ) {
      throw new MalformedPayloadError(path, "sparse entries are [index, value] pairs within length");
    }
    out[index] = decodeValue(pair[1]!, `${path}[${index}]`);
  }
  return out;
}

function decodeEscapedObject(record: { readonly [key: string]: Encoded }, path: string): object {
  if (record.proto !== undefined && record.proto !== null)
    throw new MalformedPayloadError(path, "object proto may only be null");
  const out: Record<string, unknown> =
    record.proto === null ? (Object.create(null) as Record<string, unknown>) : {};
  for (const entry of asArray(record.v, path)) {
    const pair = asArray(entry, path);
    if (pair.length !== 2) throw new MalformedPayloadError(path, "object entries are [key, value] pairs");
    const key = decodeString(pair[0]!, path);
    setOwn(out, key, decodeValue(pair[1]!, propertyPath(path, key)));
  }
  return out;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // Assigning "__proto__" would replace the prototype; define it as the own property it was.
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function base64(v: Encoded | undefined, path: string): Uint8Array<ArrayBuffer> {
  if (typeof v !== "string") throw new MalformedPayloadError(path, "bytes need base64 text");
  try {
    return base64ToBytes(v);
  } catch {
    throw new MalformedPayloadError(path, "bytes are not valid base64");
  }
}

function asArray(v: Encoded | undefined, path: string): readonly Encoded[] {
  if (!Array.isArray(v)) throw new MalformedPayloadError(path, "expected an array");
  return v as readonly Encoded[];
}

function asRecord(v: Encoded, path: string, what: string): { readonly [key: string]: Encoded } {
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw new MalformedPayloadError(path, `expected ${what}`);
  return v as { readonly [key: string]: Encoded };
}
