import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Encoded } from "../model/payload.ts";
import { decode, encode } from "./index.ts";
import { isJsonbSafeString } from "./codec-format.ts";
import { firstDifference } from "./test-support/exact-equal.ts";

/** Encode, go through JSON text (what a journal stores), decode. */
function roundTrip(value: unknown): unknown {
  return decode(JSON.parse(JSON.stringify(encode(value))) as Encoded);
}

function expectExactRoundTrip(value: unknown): void {
  expect(firstDifference(value, roundTrip(value))).toBeUndefined();
}

/** Every string and key of an encoded payload is jsonb-safe and it is plain JSON. */
function jsonbProblem(encoded: Encoded, path = "$"): string | undefined {
  if (typeof encoded === "string") return isJsonbSafeString(encoded) ? undefined : `${path}: unsafe string`;
  if (typeof encoded === "number")
    return Number.isFinite(encoded) && !Object.is(encoded, -0) ? undefined : `${path}: ${encoded}`;
  if (encoded === null || typeof encoded === "boolean") return undefined;
  if (Array.isArray(encoded)) {
    for (let i = 0; i < encoded.length; i++) {
      if (!(i in encoded)) return `${path}[${i}]: hole`;
      const p = jsonbProblem((encoded as Encoded[])[i]!, `${path}[${i}]`);
      if (p) return p;
    }
    return undefined;
  }
  if (typeof encoded !== "object") return `${path}: ${typeof encoded}`;
  if (Object.getPrototypeOf(encoded) !== Object.prototype) return `${path}: not a plain object`;
  for (const [k, v] of Object.entries(encoded)) {
    if (!isJsonbSafeString(k)) return `${path}: unsafe key`;
    const p = jsonbProblem(v, `${path}.${k}`);
    if (p) return p;
  }
  return undefined;
}

describe("codec round-trip: examples", () => {
  const cases: Array<[string, unknown]> = [
    ["top-level undefined", undefined],
    ["null", null],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ["-0", -0],
    ["max safe integer", Number.MAX_SAFE_INTEGER],
    ["bigint", -(2n ** 100n)],
    ["date", new Date("2026-11-26T07:51:16.123Z")],
    ["invalid date", new Date(Number.NaN)],
    ["far-future date", new Date(8.64e15)],
    ["far-past date", new Date(-8.64e15)],
    ["regexp", /a\/b[\u0000-\u001f]+$/giu],
    [
      "map with object keys",
      new Map<unknown, unknown>([
        [{ a: 1 }, new Set([1])],
        ["k", undefined],
        [1n, null],
      ]),
    ],
    ["set", new Set([1, "1", 1n, undefined, null])],
    ["Uint8Array", new Uint8Array([0, 1, 255])],
    ["Float64Array with NaN", new Float64Array([Number.NaN, -0, 1.5])],
    ["BigInt64Array", new BigInt64Array([-1n, 2n ** 62n])],
    ["Int16Array view into a bigger buffer", new Int16Array(new ArrayBuffer(16), 4, 3)],
    ["DataView", new DataView(new Uint8Array([1, 2, 3, 4]).buffer)],
    ["ArrayBuffer", new Uint8Array([9, 8, 7]).buffer],
    ["undefined in object", { a: undefined, b: 1 }],
    ["undefined in array", [undefined, 1, undefined]],
    ["sparse array", [1, , 3, , ,]],
    ["empty sparse array", new Array<unknown>(5)],
    ["string with NUL", "a\u0000b"],
    ["string with lone surrogates", "\ud800x\udc00\udbff"],
    ["string with valid pair", "😀"],
    ["key colliding with the tag", { $t: "date", v: "2020-01-01T00:00:00.000Z" }],
    ["key colliding with the tag, nested", { outer: { $t: { $t: "undefined" } } }],
    ["key with NUL", { "a\u0000": 1, b: 2 }],
    ["__proto__ own key", JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as unknown],
    ["null-prototype object", Object.assign(Object.create(null) as object, { a: 1 })],
    [
      "nested",
      {
        items: [{ at: new Date(0), tags: new Set(["x"]), amount: 10n, m: new Map([["a", [1, undefined]]]) }],
      },
    ],
    ["key order", { z: 1, a: 2, m: 3 }],
    [
      "shared reference (copied, not a cycle)",
      (() => {
        const s = { n: 1 };
        return { a: s, b: s };
      })(),
    ],
  ];
  for (const [name, value] of cases) {
    it(`round-trips ${name}`, () => expectExactRoundTrip(value));
  }

  it("round-trips Buffer as Buffer", () => {
    const out = roundTrip(Buffer.from("hello"));
    expect(Buffer.isBuffer(out)).toBe(true);
    expect((out as Buffer).toString()).toBe("hello");
  });

  it("keeps plain JSON as is (readable in the Observer)", () => {
    const value = { orderId: "o-1", total: 12.5, items: [{ sku: "a", qty: 2 }], ok: true, note: null };
    expect(encode(value)).toEqual(value);
  });

  it("writes the documented tags", () => {
    expect(encode(undefined)).toEqual({ $t: "undefined" });
    expect(encode(-0)).toEqual({ $t: "number", v: "-0" });
    expect(encode(12n)).toEqual({ $t: "bigint", v: "12" });
    expect(encode(new Date(0))).toEqual({ $t: "date", v: "1970-01-01T00:00:00.000Z" });
    expect(encode(new Date(Number.NaN))).toEqual({ $t: "date", v: null });
    expect(encode("a\u0000b")).toEqual({ $t: "string", v: ["a", 0, "b"] });
    expect(encode({ $t: 1 })).toEqual({ $t: "object", v: [["$t", 1]] });
    expect(encode(new Uint8Array([1, 2]))).toEqual({ $t: "bytes", type: "Uint8Array", v: "AQI=" });
  });

  it("decodes foreign JSON without tags as itself", () => {
    expect(decode({ a: [1, "x", null, { b: false }] })).toEqual({ a: [1, "x", null, { b: false }] });
  });
});

const binaryString = fc.string({ unit: "binary", maxLength: 8 });
const keyArb = fc.oneof(
  binaryString,
  fc.constantFrom("$t", "v", "__proto__", "constructor", "length", "type"),
);
const leafArb = fc.oneof(
  binaryString,
  fc.double(),
  fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.bigInt(),
  fc.date(),
  fc.constantFrom(undefined, null, true, false),
);
const anythingArb = fc.anything({
  key: keyArb,
  values: [leafArb],
  maxDepth: 4,
  maxKeys: 5,
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  stringUnit: "binary",
});
/** Tag-shaped objects that a user might really send. */
const tagShapedArb = fc.record({
  $t: fc.oneof(fc.constantFrom("date", "undefined", "object", "bogus"), anythingArb),
  v: anythingArb,
});

describe("codec round-trip: properties", () => {
  it("decode(JSON(encode(x))) is exactly x", () => {
    fc.assert(
      fc.property(fc.oneof(anythingArb, tagShapedArb), (value) => expectExactRoundTrip(value)),
      { numRuns: 400 },
    );
  });

  it("encoded output is plain JSON that jsonb accepts (no NUL, no lone surrogate, no -0/NaN)", () => {
    fc.assert(
      fc.property(anythingArb, (value) => {
        expect(jsonbProblem(encode(value))).toBeUndefined();
      }),
      { numRuns: 400 },
    );
  });

  it("encoding is deterministic and survives a JSON text round trip unchanged", () => {
    fc.assert(
      fc.property(anythingArb, (value) => {
        const encoded = encode(value);
        expect(JSON.stringify(encode(value))).toBe(JSON.stringify(encoded));
        expect(firstDifference(JSON.parse(JSON.stringify(encoded)), encoded)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it("re-encoding a decoded value gives the same text", () => {
    fc.assert(
      fc.property(anythingArb, (value) => {
        const text = JSON.stringify(encode(value));
        expect(JSON.stringify(encode(decode(JSON.parse(text) as Encoded)))).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});
