import { workflow } from "@continuum/core";

export const normalize = workflow("normalize", { version: 1 }, async (names: string[]) => {
  const cleaned = names.map((n) => n.trim().toLowerCase()).filter((n) => n.length > 0);
  const unique = Array.from(new Set(cleaned)).toSorted();
  const joined = unique.join(", ");
  const encoded = encodeURIComponent(joined);
  const cloned = structuredClone({ unique });
  return { joined, encoded, count: cloned.unique.length, first: unique.at(0) ?? null };
});
