import { encode, encodedSize } from "../codec/index.ts";
import { PayloadTooLargeError } from "../errors/codec-errors.ts";
import type { Encoded } from "../model/payload.ts";
import { Limits } from "./limits.ts";

/**
 * Encodes a payload written by workflow or activity code and enforces
 * {@link Limits.workflowPayloadBytes}: throws `UnserializableError` (naming `path`) or
 * `PayloadTooLargeError` (naming `path` and the limit) before anything is stored. Without it an
 * activity could store a 10 MB result that every replay then reads back.
 *
 * @example
 * ```ts
 * const result = encodeWithinLimit(value, "result");
 * ```
 */
export function encodeWithinLimit(value: unknown, path: string): Encoded {
  const encoded = encode(value, path);
  const size = encodedSize(encoded);
  if (size > Limits.workflowPayloadBytes)
    throw new PayloadTooLargeError(path, size, Limits.workflowPayloadBytes);
  return encoded;
}
