import { workflow } from "@continuum/core";

const DEFAULT_TAGS = ["new", "unread"] as const;

export const tagger = workflow("tagger", { version: 1 }, async (extra: string[]) => {
  const tags: string[] = [...DEFAULT_TAGS];
  tags.push(...extra);
  tags.sort();
  const counts = new Map<string, number>();
  for (const t of tags) counts.set(t, (counts.get(t) ?? 0) + 1);
  const seen = new Set<string>();
  seen.add("x");
  return { tags, counts: Object.fromEntries(counts), seen: seen.size };
});
