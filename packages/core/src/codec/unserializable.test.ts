import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { MalformedPayloadError, UnserializableError } from "../errors/codec-errors.ts";
import { decode, encode } from "./index.ts";
import { maxDepth } from "./encode.ts";

function rejection(value: unknown, path = "input"): UnserializableError {
  try {
    encode(value, path);
  } catch (e) {
    expect(e).toBeInstanceOf(UnserializableError);
    return e as UnserializableError;
  }
  throw new Error("expected encode to throw");
}

class Foo {
  x = 1;
}

describe("encode rejects what it cannot round-trip, naming the exact path", () => {
  it("names a function deep in an array", () => {
    const error = rejection({ items: [1, 2, 3, { callback: function onDone() {} }] });
    expect(error.code).toBe(ErrorCode.Unserializable);
    expect(error.data).toEqual({ path: "input.items[3].callback", found: "a function (onDone)" });
    expect(error.message).toContain("input.items[3].callback");
    expect(error.hint).toMatch(/data only/);
  });

  it("names a symbol", () => {
    expect(rejection({ kind: Symbol("x") }).data).toEqual({
      path: "input.kind",
      found: "a symbol (Symbol(x))",
    });
  });

  it("names a class instance with its class", () => {
    const error = rejection({ order: { customer: new Foo() } });
    expect(error.data).toEqual({
      path: "input.order.customer",
      found: "a class instance `Foo` with no codec",
    });
  });

  it("names the target of a circular reference", () => {
    const items: unknown[] = [];
    items.push({ parent: items });
    const error = rejection({ items });
    expect(error.data).toEqual({
      path: "input.items[0].parent",
      found: "a circular reference back to input.items",
    });
    expect(error.hint).toMatch(/cycle/);
  });

  it("quotes keys that are not identifiers", () => {
    expect(rejection({ "odd key": [() => 1] }).data.path).toBe('input["odd key"][0]');
  });

  it("names Map values, Map keys and Set members", () => {
    expect(rejection(new Map([["a", () => 1]])).data.path).toBe('input.get("a")');
    expect(rejection(new Map([[() => 1, 1]])).data.path).toBe("input.keys()[0]");
    expect(rejection(new Set([1, Symbol.iterator])).data.path).toBe("input.values()[1]");
  });

  it("rejects promises, weak collections, boxed primitives and subclassed built-ins", () => {
    expect(rejection({ p: Promise.resolve(1) }).data.found).toBe("a Promise");
    expect(rejection(new WeakMap()).data.found).toBe("a WeakMap");
    expect(rejection(Object(1)).data.found).toBe("a class instance `Number` with no codec");
    class MyMap extends Map {}
    expect(rejection(new MyMap()).data.found).toBe("a class instance `MyMap` with no codec");
  });

  it("rejects symbol-keyed properties", () => {
    expect(rejection({ [Symbol("s")]: 1 }).data.found).toBe("a symbol-keyed property");
  });

  it("refuses nesting deeper than maxDepth with a clear error, and accepts maxDepth", () => {
    const nest = (levels: number): unknown => {
      let value: unknown = "leaf";
      for (let i = 0; i < levels; i++) value = { c: value };
      return value;
    };
    expect(decode(JSON.parse(JSON.stringify(encode(nest(maxDepth)))))).toEqual(nest(maxDepth));
    const error = rejection(nest(maxDepth + 1));
    expect(error.data.found).toBe(`nesting deeper than ${maxDepth} levels`);
    expect(error.data.path).toBe(`input${".c".repeat(maxDepth)}`);
  });

  it("turns a call-stack overflow into UnserializableError when the caller's stack is already deep", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < maxDepth; i++) deep = [deep];
    const recurse = (depth: number): unknown => (depth === 0 ? encode(deep, "input") : recurse(depth - 1));
    let caught: unknown;
    // Use up more and more of the stack before encoding, until encoding itself runs out.
    for (let depth = 0; depth < 20_000 && caught === undefined; depth += 250) {
      try {
        recurse(depth);
      } catch (error) {
        caught = error;
      }
    }
    expect(caught).toBeInstanceOf(UnserializableError);
    expect((caught as UnserializableError).data).toEqual({
      path: "input",
      found: "a value nested too deeply for the call stack",
    });
  });

  it("uses 'value' as the default root name", () => {
    expect(() => encode(() => 1)).toThrow(/cannot serialize value: found a function/);
  });
});

describe("decode rejects foreign tags", () => {
  it("refuses foreign data nested too deeply for the call stack", () => {
    let deep: unknown = null;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(() => decode(deep as never)).toThrow(MalformedPayloadError);
    expect(() => decode(deep as never)).toThrow(/nested too deeply/);
  });

  it.each([
    [{ $t: "nope" }, /unknown tag/],
    [{ $t: "bigint", v: "1.5" }, /bigint/],
    [{ $t: "number", v: "1" }, /number tag/],
    [{ $t: "date", v: "not a date" }, /date/],
    [{ $t: "bytes", type: "Evil", v: "" }, /byte view type/],
    [{ $t: "bytes", type: "Uint16Array", v: "AQID" }, /multiple of 2/],
    [{ $t: "sparse", length: 2, v: [[5, 1]] }, /within length/],
    [{ $t: "map", v: [[1]] }, /pairs/],
    [{ a: [{ $t: "object", v: "x" }] }, /payload\.a\[0\]: expected an array/],
  ])("%j", (encoded, message) => {
    expect(() => decode(encoded)).toThrow(MalformedPayloadError);
    expect(() => decode(encoded)).toThrow(message);
  });
});
