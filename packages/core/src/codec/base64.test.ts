import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base64ToBytes, bytesToBase64 } from "./base64.ts";

describe("base64", () => {
  it("matches RFC 4648 (as Buffer implements it) and round-trips", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
        const text = bytesToBase64(bytes);
        expect(text).toBe(Buffer.from(bytes).toString("base64"));
        expect(base64ToBytes(text)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it("rejects text that is not base64", () => {
    expect(() => base64ToBytes("not base64!")).toThrow();
  });
});
