import type { Encoded } from "../model/payload.ts";
import { encode, encodedSize } from "../codec/index.ts";
import { PayloadTooLargeError } from "../errors/codec-errors.ts";
import { InvalidEngineOptionError } from "../errors/engine-errors.ts";
import { Limits } from "../validation/limits.ts";

/**
 * Default limit on one encoded payload crossing the client boundary (workflow input, signal
 * payload): 256 KiB of JSON text. The journal keeps every payload forever and replay reads
 * them back, so big blobs belong in object storage with a reference in the payload.
 */
export const defaultMaxPayloadBytes: number = Limits.defaultPayloadBytes;

/**
 * Encodes `value` for the journal and enforces the payload limit. Throws `UnserializableError`
 * (naming the path) or `PayloadTooLargeError`; nothing is stored in either case because this
 * runs before any journal call.
 *
 * @example
 * ```ts
 * const input = encodePayload(order, "workflow input", defaultMaxPayloadBytes);
 * ```
 */
export function encodePayload(value: unknown, what: string, maxBytes: number, path = "input"): Encoded {
  const encoded = encode(value, path);
  const size = encodedSize(encoded);
  if (size > maxBytes) throw new PayloadTooLargeError(what, size, maxBytes);
  return encoded;
}

/** Validates a configured payload limit. */
export function checkPayloadLimit(maxBytes: number): number {
  if (!Number.isInteger(maxBytes) || maxBytes <= 0 || maxBytes > Limits.maxPayloadBytesSetting)
    throw new InvalidEngineOptionError(
      "maxPayloadBytes",
      maxBytes,
      `an integer from 1 to ${Limits.maxPayloadBytesSetting} (bytes)`,
    );
  return maxBytes;
}
