import { ContinuumError } from "./continuum-error.ts";
import { ErrorCode } from "./error-code.ts";

/**
 * A value cannot cross a durable boundary (workflow input, activity arguments or result, signal
 * payload, workflow result): the codec found something it cannot round-trip exactly.
 * `data.path` names the exact place (`input.items[3].callback`), `data.found` what was there.
 */
export class UnserializableError extends ContinuumError<{ path: string; found: string }> {
  constructor(path: string, found: string, hint: string) {
    super(ErrorCode.Unserializable, `cannot serialize ${path}: found ${found}`, {
      data: { path, found },
      hint,
    });
  }
}

/** Stored data is not in the codec's format (written by something else, or corrupted). */
export class MalformedPayloadError extends ContinuumError<{ path: string; reason: string }> {
  constructor(path: string, reason: string) {
    super(ErrorCode.MalformedPayload, `malformed payload at ${path}: ${reason}`, {
      data: { path, reason },
      hint: "payloads must be written by Continuum's codec (encode()); do not edit journal rows by hand",
    });
  }
}

/** An encoded payload is larger than the configured limit. `data.limit` and `data.size` are bytes of JSON text. */
export class PayloadTooLargeError extends ContinuumError<{ what: string; size: number; limit: number }> {
  constructor(what: string, size: number, limit: number) {
    super(ErrorCode.PayloadTooLarge, `${what} is ${size} bytes encoded, over the limit of ${limit} bytes`, {
      data: { what, size, limit },
      hint: "keep payloads small: store large data elsewhere (object storage, a table) and pass a reference, or raise the payload limit",
    });
  }
}

/** A payload class codec cannot be registered (its name is taken by another class, or it is not a class). */
export class InvalidPayloadCodecError extends ContinuumError<{ name: string; reason: string }> {
  constructor(name: string, reason: string) {
    super(ErrorCode.InvalidArgument, `cannot register payload class ${JSON.stringify(name)}: ${reason}`, {
      data: { name, reason },
      hint: "register each class once, under a name no other class uses (pass { name } to choose one)",
    });
  }
}
