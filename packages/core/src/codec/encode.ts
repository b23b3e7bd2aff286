import type { Encoded } from "../model/payload.ts";
import { UnserializableError } from "../errors/codec-errors.ts";
import { bytesToBase64 } from "./base64.ts";
import { TAG, Tag, isJsonbSafeString, propertyPath } from "./codec-format.ts";
import { serializeError } from "./error-codec.ts";
import { payloadClassOf } from "./payload-classes.ts";

/**
 * Encodes a user value into the codec's tagged JSON (see `codec-format.ts`), so that
 * `decode(encode(x))` is exactly `x`. Throws `UnserializableError` naming the exact path of
 * the first value it cannot carry (functions, symbols, class instances, cycles, ...).
 *
 * @param path how the root is named in errors, e.g. `"input"` or `"args[1]"`.
 * @example
 * ```ts
 * const stored = encode({ at: new Date(0), ids: new Set([1n]) }, "input");
 * decode(stored); // { at: Date(0), ids: Set { 1n } }
 * encode({ onDone: () => {} }, "input"); // UnserializableError: cannot serialize input.onDone: found a function
 * ```
 */
export function encode(value: unknown, path = "value"): Encoded {
  try {
    return encodeValue(value, path, new Map());
  } catch (error) {
    // The caller's own stack may leave less room than maxDepth needs: still a clear error.
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw new UnserializableError(path, "a value nested too deeply for the call stack", deepHint);
    }
    throw error;
  }
}

const deepHint = "flatten the structure (e.g. a list with parent ids instead of a deep tree)";

/** Encodes a string, escaping it when jsonb could not store it. */
export function encodeString(s: string): Encoded {
  if (isJsonbSafeString(s)) return s;
  const parts: Encoded[] = [];
  let run = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const isHigh = c >= 0xd800 && c <= 0xdbff;
    const isLow = c >= 0xdc00 && c <= 0xdfff;
    if (isHigh && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        run += s[i]! + s[i + 1]!;
        i++;
        continue;
      }
    }
    if (c === 0 || isHigh || isLow) {
      if (run !== "") parts.push(run);
      run = "";
      parts.push(c);
    } else {
      run += s[i]!;
    }
  }
  if (run !== "") parts.push(run);
  return { [TAG]: Tag.string, v: parts };
}

/** Objects nested deeper than this are refused before the call stack runs out. */
export const maxDepth = 512;

/** Ancestors on the current path, for cycle detection (shared, non-cyclic references are fine). */
type Ancestors = Map<object, string>;

function encodeValue(value: unknown, path: string, ancestors: Ancestors): Encoded {
  switch (typeof value) {
    case "undefined":
      return { [TAG]: Tag.undefined };
    case "boolean":
      return value;
    case "number":
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { [TAG]: Tag.number, v: Object.is(value, -0) ? "-0" : String(value) };
    case "string":
      return encodeString(value);
    case "bigint":
      return { [TAG]: Tag.bigint, v: value.toString() };
    case "symbol":
      throw new UnserializableError(
        path,
        `a symbol (${String(value)})`,
        "use a string instead of a symbol; symbols do not survive a process boundary",
      );
    case "function":
      throw new UnserializableError(
        path,
        value.name ? `a function (${value.name})` : "a function",
        "payloads carry data only: pass the data the function needs, or the name of an activity to run",
      );
    case "object":
      if (value === null) return null;
      return encodeObject(value, path, ancestors);
    default:
      throw new UnserializableError(
        path,
        `a value of type ${typeof value}`,
        "pass JSON-like data, Dates, Maps, Sets, BigInts or typed arrays",
      );
  }
}

function encodeObject(value: object, path: string, ancestors: Ancestors): Encoded {
  const seenAt = ancestors.get(value);
  if (seenAt !== undefined) {
    throw new UnserializableError(
      path,
      `a circular reference back to ${seenAt}`,
      "payloads are trees: break the cycle (for example keep ids instead of back-references)",
    );
  }
  if (ancestors.size >= maxDepth) {
    throw new UnserializableError(path, `nesting deeper than ${maxDepth} levels`, deepHint);
  }
  ancestors.set(value, path);
  try {
    return encodeByKind(value, path, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function encodeByKind(value: object, path: string, ancestors: Ancestors): Encoded {
  const proto: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value) && proto === Array.prototype) return encodeArray(value, path, ancestors);
  if (proto === Object.prototype || proto === null)
    return encodePlainObject(value, proto === null, path, ancestors);
  if (proto === Date.prototype) {
    const time = (value as Date).getTime();
    return { [TAG]: Tag.date, v: Number.isNaN(time) ? null : (value as Date).toISOString() };
  }
  if (proto === RegExp.prototype) {
    const re = value as RegExp;
    return { [TAG]: Tag.regexp, v: encodeString(re.source), flags: re.flags };
  }
  if (proto === Map.prototype) {
    const entries: Encoded[] = [];
    let i = 0;
    for (const [k, v] of value as Map<unknown, unknown>) {
      entries.push([
        encodeValue(k, `${path}.keys()[${i}]`, ancestors),
        encodeValue(v, `${path}.get(${describeKey(k, i)})`, ancestors),
      ]);
      i++;
    }
    return { [TAG]: Tag.map, v: entries };
  }
  if (proto === Set.prototype) {
    const items: Encoded[] = [];
    let i = 0;
    for (const v of value as Set<unknown>) items.push(encodeValue(v, `${path}.values()[${i++}]`, ancestors));
    return { [TAG]: Tag.set, v: items };
  }
  if (proto === ArrayBuffer.prototype) {
    return { [TAG]: Tag.arraybuffer, v: bytesToBase64(new Uint8Array(value as ArrayBuffer)) };
  }
  if (ArrayBuffer.isView(value)) return encodeView(value, path);
  const registered = payloadClassOf(proto);
  if (registered !== undefined) {
    return {
      [TAG]: Tag.class,
      name: registered.name,
      v: encodeValue(registered.codec.toData(value), `${path}<${registered.name}>`, ancestors),
    };
  }
  if (value instanceof Error) return { [TAG]: Tag.error, v: serializeError(value) as unknown as Encoded };
  return rejectInstance(value, proto, path);
}

function encodeArray(value: readonly unknown[], path: string, ancestors: Ancestors): Encoded {
  let sparse = false;
  for (let i = 0; i < value.length; i++) {
    if (!(i in value)) {
      sparse = true;
      break;
    }
  }
  if (!sparse) return value.map((item, i) => encodeValue(item, `${path}[${i}]`, ancestors));
  const entries: Encoded[] = [];
  for (const key of Object.keys(value)) {
    const index = Number(key);
    if (Number.isInteger(index) && index >= 0 && String(index) === key) {
      entries.push([index, encodeValue(value[index], `${path}[${index}]`, ancestors)]);
    }
  }
  return { [TAG]: Tag.sparse, length: value.length, v: entries };
}

function encodePlainObject(value: object, nullProto: boolean, path: string, ancestors: Ancestors): Encoded {
  const symbols = Object.getOwnPropertySymbols(value).filter((s) =>
    Object.prototype.propertyIsEnumerable.call(value, s),
  );
  if (symbols.length > 0) {
    throw new UnserializableError(
      `${path}[${String(symbols[0])}]`,
      "a symbol-keyed property",
      "use string keys; symbol keys do not survive a process boundary",
    );
  }
  const record = value as Record<string, unknown>;
  const entries = Object.keys(value).map(
    (key) => [key, encodeValue(record[key], propertyPath(path, key), ancestors)] as const,
  );
  return encodedObject(entries, nullProto);
}

/**
 * Builds the encoded form of a plain object from already-encoded values: as itself when every
 * key is safe, else in the escaped `object` form, so a `"$t"` key, a key jsonb cannot store or
 * a null prototype survives. Error serialization uses it for an error's fields too.
 */
export function encodedObject(entries: readonly (readonly [string, Encoded])[], nullProto = false): Encoded {
  const escape = nullProto || entries.some(([k]) => k === TAG || !isJsonbSafeString(k));
  if (escape) {
    const v: Encoded[] = entries.map(([key, encoded]) => [encodeString(key), encoded]);
    return nullProto ? { [TAG]: Tag.object, v, proto: null } : { [TAG]: Tag.object, v };
  }
  const out: Record<string, Encoded> = {};
  for (const [key, encoded] of entries) {
    // "__proto__" must become an own data property, never the prototype; plain assignment
    // (the fast path of every payload) for every other key.
    if (key === "__proto__")
      Object.defineProperty(out, key, {
        value: encoded,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[key] = encoded;
  }
  return out;
}

function encodeView(view: ArrayBufferView, path: string): Encoded {
  const type = viewTypeName(view);
  if (type === undefined) return rejectInstance(view, Object.getPrototypeOf(view), path);
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  return { [TAG]: Tag.bytes, type, v: bytesToBase64(bytes) };
}

function viewTypeName(view: ArrayBufferView): string | undefined {
  const proto: unknown = Object.getPrototypeOf(view);
  const buffer = (globalThis as { Buffer?: { prototype: unknown } }).Buffer;
  if (buffer !== undefined && proto === buffer.prototype) return "Buffer";
  const ctor = (proto as { constructor?: { name?: string } } | null)?.constructor;
  const name = ctor?.name;
  if (name === undefined || (globalThis as Record<string, unknown>)[name] !== ctor) return undefined;
  return name;
}

function rejectInstance(value: object, proto: unknown, path: string): never {
  const name = (proto as { constructor?: { name?: string } } | null)?.constructor?.name || "anonymous class";
  if (value instanceof Promise) {
    throw new UnserializableError(path, "a Promise", "await the promise and pass its result");
  }
  if (value instanceof WeakMap || value instanceof WeakSet || value instanceof WeakRef) {
    throw new UnserializableError(
      path,
      `a ${name}`,
      "weak collections cannot be copied; pass a Map or Set of plain data",
    );
  }
  throw new UnserializableError(
    path,
    `a class instance \`${name}\` with no codec`,
    `pass plain data (e.g. { ...obj }) and rebuild the instance on the other side, or registerPayloadClass(${name}, { toData, fromData })`,
  );
}

function describeKey(key: unknown, index: number): string {
  if (typeof key === "string") return JSON.stringify(key);
  if (typeof key === "number" || typeof key === "boolean" || typeof key === "bigint")
    return String(key) + (typeof key === "bigint" ? "n" : "");
  if (key === null || key === undefined) return String(key);
  return `<key #${index}>`;
}
