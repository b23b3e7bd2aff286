import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createLruCache } from "./lru-cache.ts";

describe("LRU cache", () => {
  it("evicts the least recently used entry, counting get and set as uses", () => {
    const evicted: string[] = [];
    const cache = createLruCache<string, number>(2, (key) => evicted.push(key));
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1); // a is now younger than b
    cache.set("c", 3);
    expect(evicted).toEqual(["b"]);
    expect([...cache.entries()].map(([k]) => k)).toEqual(["a", "c"]);
    cache.set("a", 10); // re-set moves a to the young end
    cache.set("d", 4);
    expect(evicted).toEqual(["b", "c"]);
    expect(cache.peek("a")).toBe(10);
  });

  it("peek and delete do not count as uses and delete does not call onEvict", () => {
    const evicted: string[] = [];
    const cache = createLruCache<string, number>(2, (key) => evicted.push(key));
    cache.set("a", 1);
    cache.set("b", 2);
    cache.peek("a");
    cache.set("c", 3);
    expect(evicted).toEqual(["a"]);
    expect(cache.delete("b")).toBe(2);
    expect(evicted).toEqual(["a"]);
    expect(cache.size).toBe(1);
  });

  it("capacity 0 keeps nothing and clear evicts everything oldest first", () => {
    const evicted: string[] = [];
    const none = createLruCache<string, number>(0, (key) => evicted.push(key));
    none.set("x", 1);
    expect(none.size).toBe(0);
    expect(evicted).toEqual(["x"]);
    const cache = createLruCache<string, number>(3, (key) => evicted.push(key));
    cache.set("a", 1);
    cache.set("b", 2);
    cache.clear();
    expect(evicted).toEqual(["x", "a", "b"]);
    expect(() => createLruCache(-1)).toThrow(RangeError);
  });

  it("behaves like a naive model under any sequence of operations (property)", () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("set" as const),
        key: fc.integer({ min: 0, max: 6 }),
        value: fc.integer(),
      }),
      fc.record({ kind: fc.constant("get" as const), key: fc.integer({ min: 0, max: 6 }) }),
      fc.record({ kind: fc.constant("delete" as const), key: fc.integer({ min: 0, max: 6 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.array(op, { maxLength: 60 }), (capacity, ops) => {
        const evicted: number[] = [];
        const cache = createLruCache<number, number>(capacity, (key) => evicted.push(key));
        const model: [number, number][] = []; // oldest first
        const modelEvicted: number[] = [];
        for (const o of ops) {
          const at = model.findIndex(([k]) => k === o.key);
          if (o.kind === "set") {
            if (at >= 0) model.splice(at, 1);
            model.push([o.key, o.value]);
            while (model.length > capacity) modelEvicted.push(model.shift()![0]);
            cache.set(o.key, o.value);
          } else if (o.kind === "get") {
            const expected = at >= 0 ? model[at]![1] : undefined;
            if (at >= 0) model.push(model.splice(at, 1)[0]!);
            expect(cache.get(o.key)).toBe(expected);
          } else {
            if (at >= 0) model.splice(at, 1);
            cache.delete(o.key);
          }
          expect([...cache.entries()]).toEqual(model);
        }
        expect(evicted).toEqual(modelEvicted);
      }),
    );
  });
});
