import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { checkSourceFile, createCheckSession } from "../src/checker/check-source-file.ts";
import { formatDiagnostic } from "../src/checker/continuum-diagnostic.ts";
import { resolveOptions } from "../src/options.ts";
import { createTestProgram, parseFile, tsFilesUnder } from "./support/test-program.ts";

const CORPUS_DIR = fileURLToPath(new URL("./corpus", import.meta.url));
const bad = tsFilesUnder(path.join(CORPUS_DIR, "bad"));
const good = tsFilesUnder(path.join(CORPUS_DIR, "good"));
const program = createTestProgram([...bad, ...good, ...tsFilesUnder(path.join(CORPUS_DIR, "support"))]);
const options = resolveOptions({}, CORPUS_DIR);
const withChecker = createCheckSession(options, program);
const syntaxOnly = createCheckSession(options);

const checked = (file: string) => checkSourceFile(program.getSourceFile(file)!, withChecker);
const syntaxChecked = (file: string) => checkSourceFile(parseFile(file), syntaxOnly);
const rate = (n: number, of: number) => `${n}/${of} (${((100 * n) / of).toFixed(1)}%)`;

describe("corpus", () => {
  it("has at least 60 bad snippets and 30 good workflows", () => {
    expect(bad.length).toBeGreaterThanOrEqual(60);
    expect(good.length).toBeGreaterThanOrEqual(30);
  });

  it("flags every bad snippet with a type checker (tspc, editor): 100% detection", () => {
    const missed = bad.filter((f) => checked(f).length === 0).map((f) => path.basename(f));
    const syntaxMissed = bad.filter((f) => syntaxChecked(f).length === 0).map((f) => path.basename(f));
    console.log(
      `corpus detection with checker: ${rate(bad.length - missed.length, bad.length)}; ` +
        `syntax only (vite, node loader): ${rate(bad.length - syntaxMissed.length, bad.length)}` +
        (syntaxMissed.length ? ` (checker-only: ${syntaxMissed.join(", ")})` : ""),
    );
    expect(missed).toEqual([]);
  });

  it("reports zero false positives on the good workflows, with and without a checker", () => {
    const falsePositives = good.flatMap((f) =>
      [...checked(f), ...syntaxChecked(f)].map((d) => formatDiagnostic(d, path.relative(CORPUS_DIR, f))),
    );
    console.log(`corpus false positives: ${falsePositives.length} across ${good.length} good workflows`);
    expect(falsePositives).toEqual([]);
  });

  it("good workflows are valid TypeScript against the workflow API", () => {
    const errors = good.flatMap((f) => {
      const sf = program.getSourceFile(f)!;
      return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map(
        (d) => `${path.basename(f)}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`,
      );
    });
    expect(errors).toEqual([]);
  });

  it("a bad snippet's diagnostic points at the offending code with file:line:col and a fix", () => {
    const file = bad.find((f) => f.endsWith("time-date-now-direct.ts"))!;
    const [d] = checked(file);
    expect(d).toMatchObject({ code: "CTM1001", line: 4, column: 21 });
    expect(formatDiagnostic(d!, "time-date-now-direct.ts")).toMatch(
      /^time-date-now-direct\.ts:4:21 - error CTM1001: .*\n {2}fix: use `now\(\)`/,
    );
  });

  it("an Intl.DateTimeFormat formatting the current time is CTM1007, through a const and a typed parameter", () => {
    const codesOf = (name: string, run: (f: string) => { code: string; line: number }[]) =>
      run(bad.find((f) => f.endsWith(name))!).map((d) => `${d.code}@${d.line}`);
    expect(codesOf("time-intl-format-no-date.ts", checked)).toEqual(["CTM1007@4"]);
    expect(codesOf("time-intl-formatter-const.ts", checked)).toEqual(["CTM1007@5"]);
    expect(codesOf("time-intl-formatter-const.ts", syntaxChecked)).toEqual(["CTM1007@5"]);
    expect(codesOf("time-intl-format-without-new.ts", syntaxChecked)).toEqual(["CTM1007@4"]);
    expect(codesOf("time-intl-formatter-param.ts", checked)).toEqual(["CTM1007@5"]);
  });
});
