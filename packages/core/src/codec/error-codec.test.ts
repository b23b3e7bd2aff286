import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firstDifference } from "./test-support/exact-equal.ts";
import { ContinuumError } from "../errors/continuum-error.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { PayloadTooLargeError, UnserializableError } from "../errors/codec-errors.ts";
import { RunNotFoundError } from "../errors/journal-errors.ts";
import type { SerializedError } from "../model/payload.ts";
import { decode, deserializeError, encode, registerErrorClass, serializeError } from "./index.ts";

/** Through JSON text, as a journal would store it. */
function viaJson(error: unknown): Error {
  return deserializeError(JSON.parse(JSON.stringify(serializeError(error))) as SerializedError);
}

describe("serializeError / deserializeError", () => {
  it("keeps name, message, stack and own fields of a plain Error", () => {
    const original = Object.assign(new TypeError("bad total"), {
      field: "total",
      limit: 10n,
      at: new Date(5),
    });
    const back = viaJson(original);
    expect(back).toBeInstanceOf(TypeError);
    expect(back.name).toBe("TypeError");
    expect(back.message).toBe("bad total");
    expect(back.stack).toBe(original.stack);
    expect((back as unknown as Record<string, unknown>).field).toBe("total");
    expect((back as unknown as Record<string, unknown>).limit).toBe(10n);
    expect((back as unknown as Record<string, unknown>).at).toEqual(new Date(5));
  });

  it("keeps the cause chain", () => {
    const root = Object.assign(new Error("socket closed"), { code: "ECONNRESET" });
    const top = new Error("charge failed", { cause: new RangeError("retry budget", { cause: root }) });
    const back = viaJson(top);
    const middle = back.cause as Error;
    expect(middle).toBeInstanceOf(RangeError);
    expect(middle.message).toBe("retry budget");
    expect((middle.cause as Error).message).toBe("socket closed");
    expect((middle.cause as { code: string }).code).toBe("ECONNRESET");
  });

  it("cuts a cyclic cause chain where it closes", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    const s = serializeError(a);
    expect(s.cause?.message).toBe("b");
    expect(s.cause?.cause).toBeUndefined();
  });

  it("cuts a long cause chain at 32 causes", () => {
    let error = new Error("root");
    for (let i = 0; i < 100; i++) error = new Error(`level ${i}`, { cause: error });
    let depth = 0;
    for (let s: SerializedError | undefined = serializeError(error); s; s = s.cause) depth++;
    expect(depth).toBe(33);
  });

  it("describes a field that points back at the error instead of recursing", () => {
    const error = Object.assign(new Error("self"), { ok: 1 }) as Error & { self?: unknown; nested?: unknown };
    error.self = error;
    error.nested = { inner: new Error("inner", { cause: error }) };
    const s = serializeError(error);
    expect((s.data as Record<string, unknown>).self).toBe(
      "[unserializable: a circular reference back to an enclosing error]",
    );
    expect((s.data as Record<string, unknown>).ok).toBe(1);
    expect(JSON.stringify(s).length).toBeLessThan(10_000);
  });

  it("rebuilds Continuum errors as their class with code, data and hint", () => {
    const original = new RunNotFoundError("run-1");
    const back = viaJson(original);
    expect(back).toBeInstanceOf(RunNotFoundError);
    expect(back).toBeInstanceOf(ContinuumError);
    const ce = back as RunNotFoundError;
    expect(ce.code).toBe(ErrorCode.RunNotFound);
    expect(ce.data).toEqual({ runId: "run-1" });
    expect(ce.hint).toBe(original.hint);
    expect(ce.message).toBe(original.message);
    expect(ce.name).toBe("RunNotFoundError");
  });

  it("rebuilds an unknown Continuum error as a ContinuumError keeping its name", () => {
    const back = deserializeError({
      name: "FutureError",
      message: "m",
      code: "CTM_FUTURE",
      data: { data: { x: 1 }, hint: "h" },
    });
    expect(back).toBeInstanceOf(ContinuumError);
    expect(back.name).toBe("FutureError");
    expect((back as ContinuumError).data).toEqual({ x: 1 });
    expect((back as ContinuumError).hint).toBe("h");
  });

  it("keeps a user error's name and rebuilds registered classes", () => {
    class PaymentDeclined extends Error {
      override name = "PaymentDeclined";
      readonly reason: string;
      constructor(reason: string) {
        super(`declined: ${reason}`);
        this.reason = reason;
      }
    }
    const unregistered = viaJson(new PaymentDeclined("card"));
    expect(unregistered.name).toBe("PaymentDeclined");
    expect((unregistered as unknown as { reason: string }).reason).toBe("card");
    registerErrorClass(PaymentDeclined);
    const registered = viaJson(new PaymentDeclined("card"));
    expect(registered).toBeInstanceOf(PaymentDeclined);
    expect((registered as PaymentDeclined).reason).toBe("card");
  });

  it("keeps AggregateError members", () => {
    const back = viaJson(new AggregateError([new Error("one"), new TypeError("two")], "both"));
    expect(back).toBeInstanceOf(AggregateError);
    expect((back as AggregateError).errors.map((e: Error) => e.message)).toEqual(["one", "two"]);
  });

  it("serializes thrown non-errors", () => {
    const s = serializeError("boom");
    expect(s).toMatchObject({ name: "ThrownValue", message: "boom" });
    const back = viaJson({ status: 402 });
    expect(back.name).toBe("ThrownValue");
    expect((back as unknown as { thrown: unknown }).thrown).toEqual({ status: 402 });
  });

  it("never throws on fields the codec cannot carry", () => {
    const s = serializeError(Object.assign(new Error("x"), { fn: () => 1, ok: 1 }));
    expect(s.data).toEqual({ fn: "[unserializable: a function (fn)]", ok: 1 });
  });

  it("serializes with a round trip stable text", () => {
    const s = serializeError(new PayloadTooLargeError("activity result", 2000, 1000));
    expect(serializeError(deserializeError(s))).toEqual(s);
    expect(s.code).toBe(ErrorCode.PayloadTooLarge);
    expect(s.data).toEqual({
      data: { what: "activity result", size: 2000, limit: 1000 },
      hint: expect.any(String),
    });
  });

  it("carries errors nested inside payloads", () => {
    const back = decode(
      JSON.parse(JSON.stringify(encode({ last: new UnserializableError("input.f", "a function", "h") }))),
    );
    expect((back as { last: Error }).last).toBeInstanceOf(UnserializableError);
  });

  it('keeps fields named "$t" or "__proto__" and keys jsonb cannot store', () => {
    const original = Object.assign(new Error("odd fields"), {
      $t: new Set([1]),
      "lone \ud800": "surrogate key",
      plain: 1,
    });
    Object.defineProperty(original, "__proto__", { value: { own: true }, enumerable: true });
    const back = viaJson(original) as unknown as Record<string, unknown>;
    expect(back.$t).toEqual(new Set([1]));
    expect(back["lone \ud800"]).toBe("surrogate key");
    expect(back.plain).toBe(1);
    expect(Object.getOwnPropertyDescriptor(back, "__proto__")?.value).toEqual({ own: true });
    expect(Object.getPrototypeOf(back)).toBe(Error.prototype);
  });

  it("property: name, message, code and every own field survive a JSON round trip", () => {
    // "$t" is the codec's tag key: drawn often on purpose, random strings rarely hit it.
    const fieldKey = fc.oneof(
      fc.constant("$t"),
      fc.string({ maxLength: 6 }).filter((k) => !["name", "message", "stack", "cause", "code"].includes(k)),
    );
    const fieldValue = fc.anything({
      maxDepth: 2,
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withTypedArray: true,
      stringUnit: "binary",
    });
    fc.assert(
      fc.property(
        fc.string({ unit: "binary" }),
        fc.option(fc.oneof(fc.string(), fc.integer())),
        fc.dictionary(fieldKey, fieldValue, { maxKeys: 4 }),
        (message, code, fields) => {
          const original = Object.assign(new RangeError(message), fields, code === null ? {} : { code });
          const back = viaJson(original);
          expect(back).toBeInstanceOf(RangeError);
          expect(back.message).toBe(message);
          expect((back as { code?: unknown }).code).toStrictEqual(code ?? undefined);
          const ownFields = (e: object) =>
            Object.fromEntries(Object.entries(e).filter(([k]) => k !== "code"));
          expect(firstDifference(ownFields(back), ownFields(original))).toBeUndefined();
        },
      ),
      { numRuns: 200 },
    );
  });
});
