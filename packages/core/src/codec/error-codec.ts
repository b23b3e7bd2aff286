import type { Encoded, SerializedError } from "../model/payload.ts";
import * as errorModule from "../errors/index.ts";
import { ContinuumError } from "../errors/continuum-error.ts";
import { decode } from "./decode.ts";
import { encode, encodedObject } from "./encode.ts";

/** Fields an error carries at the top level of a SerializedError, never in `data`. */
const reserved = new Set(["name", "message", "stack", "cause", "code"]);
/** Cause chains longer than this are cut (a guard against cycles through `cause`). */
const maxCauseDepth = 32;

type ErrorClass = abstract new (...args: never[]) => Error;

const nativeErrors: ReadonlyMap<string, ErrorClass> = new Map<string, ErrorClass>([
  ["Error", Error],
  ["TypeError", TypeError],
  ["RangeError", RangeError],
  ["SyntaxError", SyntaxError],
  ["ReferenceError", ReferenceError],
  ["EvalError", EvalError],
  ["URIError", URIError],
  ["AggregateError", AggregateError],
]);

const registered = new Map<string, ErrorClass>();
let continuumClassesLoaded = false;

/**
 * Lets `deserializeError` rebuild instances of your own error class (so `instanceof` works
 * across a process boundary). The class is looked up by its `name`. Continuum's own error
 * classes are known without registration.
 *
 * @example
 * ```ts
 * class PaymentDeclined extends Error { override name = "PaymentDeclined"; constructor(public reason: string) { super(reason); } }
 * registerErrorClass(PaymentDeclined);
 * ```
 */
export function registerErrorClass(errorClass: ErrorClass & { readonly name: string }): void {
  registered.set(errorClass.name, errorClass);
}

/**
 * Turns any thrown value into a SerializedError: name, message, code, stack, the cause chain,
 * and every own enumerable field (encoded with the codec) in `data`. Never throws: a field the
 * codec cannot carry is replaced by a description of why.
 *
 * @example
 * ```ts
 * const stored = serializeError(Object.assign(new Error("declined"), { retryable: false }));
 * // { name: "Error", message: "declined", stack: "...", data: { retryable: false } }
 * ```
 */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error && inProgress.has(error)) {
    throw new errorModule.UnserializableError(
      "error",
      "a circular reference back to an enclosing error",
      "keep ids instead of back-references in error fields",
    );
  }
  return serializeAt(error, 0);
}

/** Errors being serialized right now (serialization is synchronous): guards cycles through fields and causes. */
const inProgress = new Set<Error>();

function serializeAt(error: unknown, depth: number): SerializedError {
  if (!(error instanceof Error)) {
    return {
      name: "ThrownValue",
      message: typeof error === "string" ? error : describeThrown(error),
      data: { thrown: safeEncode(error, "thrown") },
    };
  }
  inProgress.add(error);
  try {
    return serializeFields(error, depth);
  } finally {
    inProgress.delete(error);
  }
}

function serializeFields(error: Error, depth: number): SerializedError {
  const fields: [string, Encoded][] = [];
  const code: unknown = (error as { code?: unknown }).code;
  for (const key of Object.keys(error)) {
    // A non-string code (e.g. a numeric status) is ordinary data; only string codes go to `code`.
    if (reserved.has(key) && !(key === "code" && typeof code !== "string")) continue;
    fields.push([key, safeEncode((error as unknown as Record<string, unknown>)[key], `error.${key}`)]);
  }
  if (error instanceof AggregateError && !fields.some(([key]) => key === "errors")) {
    fields.push(["errors", safeEncode(error.errors, "error.errors")]);
  }
  const name = typeof error.name === "string" ? error.name : "Error";
  const out: { -readonly [K in keyof SerializedError]: SerializedError[K] } = {
    name,
    message: String(error.message),
  };
  if (typeof code === "string") out.code = code;
  if (typeof error.stack === "string") out.stack = error.stack;
  // Encoded as one object, so a field named "$t" (or one jsonb cannot store) is escaped.
  if (fields.length > 0) out.data = encodedObject(fields);
  const cause: unknown = error.cause;
  if (cause !== undefined && depth < maxCauseDepth && !(cause instanceof Error && inProgress.has(cause)))
    out.cause = serializeAt(cause, depth + 1);
  return out;
}

/**
 * Rebuilds an Error from a SerializedError. Native error types come back as themselves,
 * Continuum errors as their class (with `code`, `data`, `hint`), registered classes as
 * instances of that class, anything else as an `Error` with the recorded `name`. Fields in
 * `data` become own properties again; `stack` is the original stack.
 */
export function deserializeError(serialized: SerializedError): Error {
  const errorClass = classFor(serialized);
  // Reflect.construct makes a genuine Error object with the class's prototype without running
  // the class constructor, whose signature we cannot know.
  const error = Reflect.construct(Error, [serialized.message], errorClass) as Error;
  const hidden = (key: string, value: unknown): void => {
    Object.defineProperty(error, key, { value, enumerable: false, writable: true, configurable: true });
  };
  hidden("message", String(serialized.message));
  if (error.name !== serialized.name) hidden("name", serialized.name);
  if (typeof serialized.stack === "string") hidden("stack", serialized.stack);
  else delete (error as { stack?: string }).stack;
  if (serialized.code !== undefined) (error as unknown as { code: string }).code = serialized.code;
  const data = safeDecode(serialized.data);
  if (data !== null && typeof data === "object" && !Array.isArray(data)) {
    for (const [key, value] of Object.entries(data)) {
      if (reserved.has(key) && !(key === "code" && serialized.code === undefined)) continue;
      if (key === "errors" && error instanceof AggregateError) hidden(key, value);
      else Object.defineProperty(error, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  if (serialized.cause !== undefined) hidden("cause", deserializeError(serialized.cause));
  return error;
}

function classFor(serialized: SerializedError): ErrorClass {
  const byName = registered.get(serialized.name) ?? nativeErrors.get(serialized.name);
  if (byName !== undefined) return byName;
  if (typeof serialized.code === "string" && serialized.code.startsWith("CTM_")) {
    loadContinuumClasses();
    return registered.get(serialized.name) ?? ContinuumError;
  }
  return Error;
}

/** Registers every ContinuumError subclass exported from errors/ (lazily, to stay cycle-safe). */
function loadContinuumClasses(): void {
  if (continuumClassesLoaded) return;
  continuumClassesLoaded = true;
  for (const exported of Object.values(errorModule)) {
    if (
      typeof exported === "function" &&
      exported.prototype instanceof ContinuumError &&
      !registered.has(exported.name)
    ) {
      registered.set(exported.name, exported as unknown as ErrorClass);
    }
  }
}

function safeEncode(value: unknown, path: string): Encoded {
  try {
    return encode(value, path);
  } catch (e) {
    const found =
      e instanceof errorModule.UnserializableError ? e.data.found : "a value the codec cannot carry";
    return `[unserializable: ${found}]`;
  }
}

function safeDecode(data: Encoded | undefined): unknown {
  if (data === undefined) return undefined;
  try {
    return decode(data, "error.data");
  } catch {
    return undefined;
  }
}

function describeThrown(value: unknown): string {
  if (
    value !== null &&
    typeof value === "object" &&
    typeof (value as { message?: unknown }).message === "string"
  ) {
    return (value as { message: string }).message;
  }
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
