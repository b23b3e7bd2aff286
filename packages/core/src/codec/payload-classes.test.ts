import { describe, expect, it } from "vitest";
import {
  InvalidPayloadCodecError,
  MalformedPayloadError,
  UnserializableError,
} from "../errors/codec-errors.ts";
import { decode, encode, registerPayloadClass } from "./index.ts";

class Money {
  readonly cents: bigint;
  readonly currency: string;
  constructor(cents: bigint, currency: string) {
    this.cents = cents;
    this.currency = currency;
  }
}
registerPayloadClass(Money, {
  toData: (m) => ({ cents: m.cents, currency: m.currency }),
  fromData: (d) => {
    const { cents, currency } = d as { cents: bigint; currency: string };
    return new Money(cents, currency);
  },
});

describe("registerPayloadClass", () => {
  it("round-trips registered instances, nested anywhere, as instances", () => {
    const value = { total: new Money(1234n, "EUR"), lines: new Map([["a", new Money(1n, "EUR")]]) };
    const back = decode(JSON.parse(JSON.stringify(encode(value, "input")))) as typeof value;
    expect(back.total).toBeInstanceOf(Money);
    expect(back.total).toEqual(new Money(1234n, "EUR"));
    expect(back.lines.get("a")).toBeInstanceOf(Money);
    expect(encode(new Money(5n, "USD"))).toEqual({
      $t: "class",
      name: "Money",
      v: { cents: { $t: "bigint", v: "5" }, currency: "USD" },
    });
  });

  it("names the path inside a class's data when that data cannot be encoded", () => {
    class Box {
      readonly fn = () => 1;
    }
    registerPayloadClass(Box, { toData: (b) => ({ fn: b.fn }), fromData: () => new Box() });
    expect(() => encode({ box: new Box() }, "input")).toThrow(UnserializableError);
    expect(() => encode({ box: new Box() }, "input")).toThrow("input.box<Box>.fn");
  });

  it("refuses to decode a class this process has not registered", () => {
    expect(() => decode({ $t: "class", name: "Unknown", v: null })).toThrow(MalformedPayloadError);
    expect(() => decode({ $t: "class", name: "Unknown", v: null })).toThrow(/registerPayloadClass/);
  });

  it("refuses two classes under one name, and suggests registration for unknown classes", () => {
    class Other {}
    expect(() =>
      registerPayloadClass(Other, { name: "Money", toData: () => null, fromData: () => new Other() }),
    ).toThrow(InvalidPayloadCodecError);
    class Unregistered {}
    expect(() => encode(new Unregistered())).toThrow(/registerPayloadClass\(Unregistered/);
  });
});
