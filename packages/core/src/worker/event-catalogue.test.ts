import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { engineEventCatalogue, engineEventNames } from "./event-catalogue.ts";

// The catalogue cannot drift: the compiler ties it to EngineEvents, and these checks tie it to
// the code that emits and to the guide that documents.

const here = new URL(".", import.meta.url);
const guide = readFileSync(new URL("../../../../guides/observability.md", here), "utf8");

/** Every `emitEvent(<emitter>, "<name>"` in the engine's sources (tests excluded). */
function emittedNames(): Set<string> {
  const names = new Set<string>();
  for (const file of readdirSync(here)) {
    if (!file.endsWith(".ts") || file.endsWith(".test.ts")) continue;
    const source = readFileSync(new URL(file, here), "utf8");
    for (const match of source.matchAll(/emitEvent\(\s*[\w.]+,\s*"([a-z_.]+)"/g)) names.add(match[1]!);
  }
  return names;
}

describe("engine event catalogue", () => {
  it("lists each event once", () => {
    expect(new Set(engineEventNames).size).toBe(engineEventNames.length);
    expect([...engineEventNames].sort()).toEqual(Object.keys(engineEventCatalogue).sort());
  });

  it("every listed event is emitted somewhere in the engine, and nothing unlisted is", () => {
    expect([...emittedNames()].sort()).toEqual([...engineEventNames].sort());
  });

  it("guides/observability.md has one table row per event, and no other", () => {
    const rows = [...guide.matchAll(/^\| `([a-z_.]+)`\s*\|/gm)].map((match) => match[1]);
    expect([...rows].sort()).toEqual([...engineEventNames].sort());
  });
});
