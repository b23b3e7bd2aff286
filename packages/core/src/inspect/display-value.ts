import { decode } from "../codec/index.ts";
import type { Encoded, SerializedError } from "../model/index.ts";

/**
 * A payload the codec could not decode here (a class registered only in the app that wrote it,
 * or foreign data). The read model shows it instead of failing the whole page.
 */
export class UndecodablePayload {
  /** The stored (encoded) value, verbatim. */
  readonly encoded: Encoded;
  /** Why decoding failed. */
  readonly reason: string;

  constructor(encoded: Encoded, reason: string) {
    this.encoded = encoded;
    this.reason = reason;
  }
}

/** An error as the read model shows it: its message and its fix line apart, causes decoded. */
export interface InspectedError {
  readonly name: string;
  /** The message without its fix line. */
  readonly message: string;
  /** Continuum's stable code, when the error is one of ours. */
  readonly code?: string;
  /** The line saying how to fix it (Continuum errors). */
  readonly fix?: string;
  readonly stack?: string;
  /** Decoded extra data (user error fields, Continuum error data). */
  readonly data?: unknown;
  readonly cause?: InspectedError;
}

/** Decodes a stored payload; an undecodable one becomes an {@link UndecodablePayload}. */
export function decodeForDisplay(encoded: Encoded, path: string): unknown {
  try {
    return decode(encoded, path);
  } catch (error) {
    return new UndecodablePayload(
      encoded,
      error instanceof Error ? error.message.split("\n")[0]! : String(error),
    );
  }
}

/** A stored error as an {@link InspectedError}: the `fix:` line split off the message. */
export function inspectError(error: SerializedError): InspectedError {
  const marker = error.message.lastIndexOf("\n  fix: ");
  const message = marker === -1 ? error.message : error.message.slice(0, marker);
  const fix = marker === -1 ? undefined : error.message.slice(marker + "\n  fix: ".length);
  return {
    name: error.name,
    message,
    ...(error.code === undefined ? {} : { code: error.code }),
    ...(fix === undefined ? {} : { fix }),
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(error.data === undefined ? {} : { data: decodeForDisplay(error.data, "error.data") }),
    ...(error.cause === undefined ? {} : { cause: inspectError(error.cause) }),
  };
}

/**
 * A decoded value as plain JSON for display (`--json`, a web page): Date as its ISO text, bigint
 * as `"123n"`, Map as `{ "$map": [[k, v], ...] }`, Set as `{ "$set": [...] }`, undefined as
 * `{ "$undefined": true }` in arrays (left out of objects), NaN and infinities as text, an
 * {@link UndecodablePayload} as `{ "$undecodable": reason, "encoded": ... }`, other class
 * instances as their own enumerable fields. Never throws on cycles (`"[circular]"`).
 *
 * @example
 * ```ts
 * JSON.stringify(toDisplayJson(new Map([["a", 1n]]))); // {"$map":[["a","1n"]]}
 * ```
 */
export function toDisplayJson(value: unknown, seen: Set<object> = new Set()): unknown {
  switch (typeof value) {
    case "bigint":
      return `${value}n`;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "undefined":
      return { $undefined: true };
    case "function":
    case "symbol":
      return String(value);
    case "string":
    case "boolean":
      return value;
  }
  if (value === null) return null;
  const object = value as object;
  if (seen.has(object)) return "[circular]";
  seen.add(object);
  try {
    if (value instanceof UndecodablePayload) return { $undecodable: value.reason, encoded: value.encoded };
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
    if (value instanceof Map)
      return { $map: [...value].map(([k, v]) => [toDisplayJson(k, seen), toDisplayJson(v, seen)]) };
    if (value instanceof Set) return { $set: [...value].map((v) => toDisplayJson(v, seen)) };
    if (Array.isArray(value)) return value.map((v) => toDisplayJson(v, seen));
    if (value instanceof Error) return { name: value.name, message: value.message };
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(object))
      if (field !== undefined) out[key] = toDisplayJson(field, seen);
    return out;
  } finally {
    seen.delete(object);
  }
}
