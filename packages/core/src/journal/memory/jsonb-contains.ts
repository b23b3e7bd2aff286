import type { Encoded } from "../../model/payload.ts";

/**
 * PostgreSQL `jsonb @>` semantics, so the memory journal filters attributes exactly like SQL:
 * objects contain objects key by key (recursively), an array contains an array when every
 * element on the right is contained in some element on the left, scalars must be equal.
 */
export function jsonbContains(container: Encoded | undefined, contained: Encoded): boolean {
  if (container === undefined) return false;
  if (Array.isArray(contained)) {
    if (!Array.isArray(container)) return false;
    const left = container as readonly Encoded[];
    return (contained as readonly Encoded[]).every((item) =>
      left.some((candidate) => jsonbContains(candidate, item)),
    );
  }
  if (contained !== null && typeof contained === "object") {
    if (container === null || typeof container !== "object" || Array.isArray(container)) return false;
    const left = container as { readonly [key: string]: Encoded };
    return Object.entries(contained).every(
      ([key, value]) => Object.hasOwn(left, key) && jsonbContains(left[key], value),
    );
  }
  return container === contained;
}
