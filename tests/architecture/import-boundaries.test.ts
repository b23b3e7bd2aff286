import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// Lint checks each file's own imports; this checks what each pure file can reach transitively,
// which is what replay purity actually depends on.
const coreSrc = resolve(dirname(fileURLToPath(import.meta.url)), "../../packages/core/src");
const pureRoots = ["workflow", "replay"];
const forbidden = (spec: string): boolean =>
  spec.startsWith("node:") ||
  /^(pg|kysely|@electric-sql\/pglite|fs|path|os|crypto|child_process|net|http|https|worker_threads|async_hooks)(\/|$)/.test(
    spec,
  );

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return full.endsWith(".ts") && !full.endsWith(".test.ts") && !full.includes("test-support") ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** Every module reachable from `file` through relative imports, with the chain that reached it. */
function reach(
  file: string,
  seen = new Map<string, string[]>(),
  chain: string[] = [],
): Map<string, string[]> {
  for (const spec of importsOf(file)) {
    const path = [...chain, relative(coreSrc, file)];
    if (!spec.startsWith(".")) {
      if (!seen.has(spec)) seen.set(spec, path);
      continue;
    }
    const target = resolve(dirname(file), spec);
    if (seen.has(target)) continue;
    seen.set(target, path);
    reach(target, seen, path);
  }
  return seen;
}

describe("import boundaries", () => {
  for (const root of pureRoots) {
    it(`${root}/ never reaches node built-ins, pg, kysely or PGlite, even transitively`, () => {
      const files = sourceFiles(join(coreSrc, root));
      expect(files.length).toBeGreaterThan(0);
      const violations: string[] = [];
      for (const file of files) {
        for (const [spec, path] of reach(file)) {
          if (forbidden(spec)) violations.push(`${[...path, spec].join(" -> ")}`);
        }
      }
      expect(violations).toEqual([]);
    });
  }

  it("only journal/ imports database drivers", () => {
    const offenders = sourceFiles(coreSrc)
      .filter((f) => !relative(coreSrc, f).startsWith("journal"))
      .flatMap((f) =>
        importsOf(f)
          .filter((s) => /^(pg|kysely|@electric-sql\/pglite)(\/|$)/.test(s))
          .map((s) => `${relative(coreSrc, f)} imports ${s}`),
      );
    expect(offenders).toEqual([]);
  });

  it("detects a violation when one exists (self-check of the walker)", () => {
    const probe = reach(join(coreSrc, "journal/journal.ts"));
    expect([...probe.keys()].some((k) => k.endsWith("model/index.ts"))).toBe(true);
  });
});
