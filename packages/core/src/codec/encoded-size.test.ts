import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encode, encodedSize } from "./index.ts";

describe("encodedSize", () => {
  it("counts UTF-8 bytes of the JSON text", () => {
    expect(encodedSize(encode({ a: "é" }))).toBe(10);
    expect(encodedSize(encode("😀"))).toBe(6);
    expect(encodedSize(null)).toBe(4);
  });

  it("agrees with TextEncoder for any payload", () => {
    fc.assert(
      fc.property(fc.anything({ stringUnit: "binary", withBigInt: true, withMap: true }), (value) => {
        const encoded = encode(value);
        expect(encodedSize(encoded)).toBe(new TextEncoder().encode(JSON.stringify(encoded)).length);
      }),
    );
  });
});
