/**
 * The payload format: tagged JSON.
 *
 * Plain JSON values encode as themselves (`null`, booleans, finite numbers other than -0,
 * strings without U+0000 or lone surrogates, arrays without holes, plain objects without a
 * `"$t"` key). Everything else becomes an object whose `"$t"` key names a tag:
 *
 * | value                                   | encoded                                                    |
 * |-----------------------------------------|------------------------------------------------------------|
 * | `undefined`                             | `{"$t":"undefined"}`                                       |
 * | `NaN`, `Infinity`, `-Infinity`, `-0`    | `{"$t":"number","v":"NaN"}`                                |
 * | `12n`                                   | `{"$t":"bigint","v":"12"}`                                 |
 * | string with U+0000 or a lone surrogate  | `{"$t":"string","v":["ab",0,"cd",55296]}` (text runs, code units) |
 * | `Date` (invalid: `v` is `null`)         | `{"$t":"date","v":"2026-01-02T03:04:05.006Z"}`             |
 * | `RegExp`                                | `{"$t":"regexp","v":<encoded source>,"flags":"gi"}`         |
 * | `Map`                                   | `{"$t":"map","v":[[k,v],...]}`                              |
 * | `Set`                                   | `{"$t":"set","v":[v,...]}`                                  |
 * | typed array, `DataView`, `Buffer`       | `{"$t":"bytes","type":"Uint8Array","v":"<base64>"}`        |
 * | `ArrayBuffer`                           | `{"$t":"arraybuffer","v":"<base64>"}`                      |
 * | array with holes                        | `{"$t":"sparse","length":5,"v":[[index,v],...]}`           |
 * | object with a `"$t"` key, a key that is not jsonb-safe, or a null prototype | `{"$t":"object","v":[[k,v],...]}` (+ `"proto":null`) |
 * | `Error` (any subclass)                  | `{"$t":"error","v":<SerializedError>}`                     |
 * | instance of a registered class          | `{"$t":"class","name":"Money","v":<encoded toData()>}`     |
 *
 * Why this shape: the output is valid JSON *and* valid for PostgreSQL `jsonb` (which rejects
 * U+0000 and unpaired surrogates in strings), readable by an operator in the Observer, and
 * any JSON that was not written by the codec but has no `"$t"` key decodes as itself.
 * Escaping is explicit: a user object that happens to have a `"$t"` key is always written in
 * the `object` form, whose entries are never read as tags, so no user value can be mistaken
 * for a tag. Shared references are copied (payloads are trees); cycles are rejected.
 *
 * What is kept, as with JSON: own enumerable string-keyed properties (getters are read once),
 * array elements (other properties of an array are dropped). What is refused, with the path:
 * functions, symbols and symbol keys, Promises, weak collections, instances of classes that are
 * not registered with `registerPayloadClass` (subclasses of Map, Set, Date, ... included),
 * cycles, and nesting deeper than 512 levels.
 */
export const TAG = "$t";

/** The closed set of tags. */
export const Tag = {
  undefined: "undefined",
  number: "number",
  bigint: "bigint",
  string: "string",
  date: "date",
  regexp: "regexp",
  map: "map",
  set: "set",
  bytes: "bytes",
  arraybuffer: "arraybuffer",
  sparse: "sparse",
  object: "object",
  error: "error",
  class: "class",
} as const;
export type Tag = (typeof Tag)[keyof typeof Tag];

/** Typed-array and view constructors the `bytes` tag can name, looked up lazily (Float16Array is newer). */
export const byteViewTypes = [
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float16Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
  "DataView",
  "Buffer",
] as const;
/** Name of a byte view the `bytes` tag can carry. */
export type ByteViewType = (typeof byteViewTypes)[number];

/** True when a string can go into jsonb as is: no U+0000 and no unpaired surrogate. */
export function isJsonbSafeString(s: string): boolean {
  return !/\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** Formats a property access for error paths: `.name` or `["odd key"]`. */
export function propertyPath(parent: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}
