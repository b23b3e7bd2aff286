/**
 * The payload codec: turns user values into jsonb-safe tagged JSON and back, exactly.
 * Format: see `codec-format.ts`.
 */
export { encode } from "./encode.ts";
export { decode } from "./decode.ts";
export { serializeError, deserializeError, registerErrorClass } from "./error-codec.ts";
export { encodedSize } from "./encoded-size.ts";
export { registerPayloadClass } from "./payload-classes.ts";
export type { PayloadClassCodec } from "./payload-classes.ts";
export { TAG, Tag } from "./codec-format.ts";
