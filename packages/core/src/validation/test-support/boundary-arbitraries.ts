import fc from "fast-check";
import { Limits } from "../limits.ts";

// Generators of the boundary suite: what a careless or hostile caller passes (NUL, lone
// surrogates, sizes over every limit, NaN, infinities, functions), mixed with what a careful
// one passes, so that the properties see refusals and acceptances alike.

/** Strings that break databases: NUL, lone surrogates, sizes around and far over the limits. */
export const nasty = fc.constantFrom(
  "",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udc00y",
  "\ud83d\ude00",
  " padded ",
  "tab\there",
  "x".repeat(Limits.idBytes),
  "x".repeat(Limits.idBytes + 1),
  "é".repeat(Limits.idBytes / 2 + 1),
  "n".repeat(Limits.nameLength + 1),
  "x".repeat(10_000),
  "x".repeat(100_000),
);
/** What a careful caller passes: the property must see acceptances too. */
export const plain = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
export const anyString = fc.oneof(
  { weight: 3, arbitrary: plain },
  { weight: 3, arbitrary: nasty },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 4 }), nasty).map(([a, b]) => a + b) },
);
export const anyNumber = fc.oneof(
  fc.integer({ min: 1, max: 100_000 }),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -1, 0, 0.5, 1, 2 ** 31, 1e9, 1e300, -0),
  fc.double(),
  fc.integer(),
);
/** Anything a workflow input can carry (so it reaches the workflow API), and a function besides. */
export const anyData: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: anyString },
  { weight: 2, arbitrary: anyNumber },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, true, {}, []) },
  { weight: 1, arbitrary: fc.object({ maxDepth: 2, maxKeys: 3 }) },
);
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: anyData },
  { weight: 1, arbitrary: fc.constant(() => 1) },
);
export const anyAttributes: fc.Arbitrary<unknown> = fc.oneof(
  fc.dictionary(anyString, fc.oneof(anyString, anyNumber, fc.constant(null)), { maxKeys: 3 }),
  fc.constantFrom(nested(Limits.attributesDepth + 2), { big: "z".repeat(20_000) }, "flat"),
  anyValue,
);

/** Mostly what a careful caller passes, sometimes anything at all. */
export function sometimes<T>(
  good: fc.Arbitrary<T>,
  bad: fc.Arbitrary<unknown> = anyValue,
): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: bad });
}

/** The arguments of a call, short, for failure messages. */
export function preview(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "number" && !Number.isFinite(v) ? String(v) : typeof v === "function" ? "<function>" : v,
  );
  return text === undefined ? String(value) : text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

/** `{ deep: [[...["x"]...]] }` nested `depth` levels. */
export function nested(depth: number): unknown {
  let value: unknown = "x";
  for (let i = 0; i < depth; i++) value = [value];
  return { deep: value };
}
