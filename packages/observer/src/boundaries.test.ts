import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// DESIGN.md: the Observer reads through core's public read model and client only; it writes no
// SQL and ships no third-party code to the browser (its assets are its own files).

const root = fileURLToPath(new URL(".", import.meta.url));
const sources = (readdirSync(root, { recursive: true }) as string[])
  .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.includes("test-support"))
  .map((file) => join(root, file));

const allowed = (specifier: string): boolean =>
  specifier.startsWith("node:") ||
  specifier === "@continuum/core" ||
  (specifier.startsWith(".") && !specifier.includes("/core/"));

describe("the Observer's boundaries", () => {
  it("imports only node built-ins, relative files and @continuum/core's public entry", () => {
    const offending = sources.flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)[^"']*?from\s+["']([^"']+)["']/gm)]
        .map((match) => match[1] as string)
        .filter((specifier) => !allowed(specifier))
        .map((specifier) => `${relative(root, file)}: ${specifier}`),
    );
    expect(sources.length).toBeGreaterThan(10);
    expect(offending).toEqual([]);
  });

  it("its browser assets load nothing from elsewhere", () => {
    for (const name of ["observer.css", "observer.js"]) {
      const text = readFileSync(new URL(`../assets/${name}`, import.meta.url), "utf8");
      expect(text, name).not.toMatch(/https?:\/\/|@import|url\((?!["']?data:)/);
    }
  });
});
