import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { checkSourceFile, createCheckSession } from "../src/checker/check-source-file.ts";
import { formatDiagnostic } from "../src/checker/continuum-diagnostic.ts";
import { resolveOptions } from "../src/options.ts";
import { TEST_COMPILER_OPTIONS, tsFilesUnder, WORKSPACE_DIR } from "./support/test-program.ts";

// The corpus again, this time against the real @continuum/core sources instead of the shim, so
// the checker's type-level rules (payload types, call options, the signal timeout sentinel) are
// proven against the API users actually import.
const CORPUS_DIR = fileURLToPath(new URL("./corpus", import.meta.url));
const CORE_SRC = path.join(WORKSPACE_DIR, "packages/core/src");
const bad = tsFilesUnder(path.join(CORPUS_DIR, "bad"));
const good = tsFilesUnder(path.join(CORPUS_DIR, "good"));

const program = ts.createProgram({
  rootNames: [...bad, ...good, ...tsFilesUnder(path.join(CORPUS_DIR, "support"))],
  options: {
    ...TEST_COMPILER_OPTIONS,
    paths: {
      "@continuum/core": [path.join(CORE_SRC, "index.ts")],
      "@continuum/core/workflow": [path.join(CORE_SRC, "workflow/index.ts")],
    },
  },
});
const session = createCheckSession(resolveOptions({}, CORPUS_DIR), program);

describe("corpus against the real @continuum/core", () => {
  it("resolves the API to packages/core", () => {
    const sf = program.getSourceFile(good[0]!)!;
    const checker = program.getTypeChecker();
    const spec = sf.statements.find(ts.isImportDeclaration)!.moduleSpecifier;
    const target = checker.getSymbolAtLocation(spec)?.valueDeclaration?.getSourceFile().fileName ?? "";
    expect(target.startsWith(CORE_SRC)).toBe(true);
  });

  it("zero false positives on the good workflows", () => {
    const found = good.flatMap((f) =>
      checkSourceFile(program.getSourceFile(f)!, session).map((d) =>
        formatDiagnostic(d, path.relative(CORPUS_DIR, f)),
      ),
    );
    expect(found).toEqual([]);
  });

  it("every bad snippet is still flagged", () => {
    const missed = bad
      .filter((f) => checkSourceFile(program.getSourceFile(f)!, session).length === 0)
      .map((f) => path.basename(f));
    expect(missed).toEqual([]);
  });
});
