import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// DESIGN.md: the CLI reads through core's public API only and writes no SQL of its own.

const root = fileURLToPath(new URL(".", import.meta.url));
const sources = (readdirSync(root, { recursive: true }) as string[])
  .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.includes("test-support"))
  .map((file) => join(root, file));

const allowed = (specifier: string): boolean =>
  specifier.startsWith("node:") ||
  specifier === "@continuum/core" ||
  // replay runs the user's workflow code with core's replayHistory (public test-kit entry).
  specifier === "@continuum/core/testing" ||
  specifier === "cli-progress" ||
  specifier === "commander" ||
  specifier === "jsonc-parser" ||
  specifier === "cli-table3" ||
  specifier === "picocolors" ||
  (specifier.startsWith(".") && !specifier.includes("/core/"));

describe("the CLI's boundaries", () => {
  it("imports only node built-ins, its parsers and output libraries, relative files and @continuum/core's public entry", () => {
    const offending = sources.flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)[^"']*?from\s+["']([^"']+)["']/gm)]
        .map((match) => match[1] as string)
        .filter((specifier) => !allowed(specifier))
        .map((specifier) => `${relative(root, file)}: ${specifier}`),
    );
    expect(sources.length).toBeGreaterThan(10);
    expect(offending).toEqual([]);
  });
});
