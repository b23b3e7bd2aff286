import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// DESIGN.md: the OpenTelemetry bridge subscribes to core's typed events and reads through core's
// public API only; it writes no SQL. Its one run-time dependency is the OpenTelemetry API (a
// peer): never the SDK, which is the app's choice.

const root = fileURLToPath(new URL(".", import.meta.url));
const sources = (readdirSync(root, { recursive: true }) as string[])
  .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.includes("test-support"))
  .map((file) => join(root, file));

const allowed = (specifier: string): boolean =>
  specifier === "@continuum/core" ||
  specifier === "@opentelemetry/api" ||
  (specifier.startsWith("./") && !specifier.includes("/core/"));

describe("the OpenTelemetry bridge's boundaries", () => {
  it("imports only @continuum/core's public entry, @opentelemetry/api and its own files", () => {
    const offending = sources.flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)[^"']*?from\s+["']([^"']+)["']/gm)]
        .map((match) => match[1] as string)
        .filter((specifier) => !allowed(specifier))
        .map((specifier) => `${relative(root, file)}: ${specifier}`),
    );
    expect(sources.length).toBeGreaterThan(5);
    expect(offending).toEqual([]);
  });

  it("writes no SQL", () => {
    const sql = sources.filter((file) =>
      /\b(SELECT|INSERT INTO|UPDATE\s+\w+\s+SET|DELETE FROM)\b/.test(readFileSync(file, "utf8")),
    );
    expect(sql.map((file) => relative(root, file))).toEqual([]);
  });
});
