import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import {
  diagnosticsOf,
  fixtureCases,
  printRewritten,
  type ExpectedDiagnostic,
} from "./support/fixture-cases.ts";
import { createTestProgram, parseFile, tsFilesUnder } from "./support/test-program.ts";
import { FIXTURES_DIR } from "./support/fixture-cases.ts";

// UPDATE_FIXTURES=1 rewrites output.ts and diagnostics.json from the current behaviour (then review the diff).
const update = process.env["UPDATE_FIXTURES"] === "1";
const cases = fixtureCases();
const program = createTestProgram(tsFilesUnder(FIXTURES_DIR));

describe("fixtures", () => {
  it("has fixture folders", () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  for (const c of cases) {
    describe(c.name, () => {
      const diagnosticsFile = path.join(c.dir, "diagnostics.json");
      const outputFile = path.join(c.dir, "output.ts");

      it("rewrites input.ts to output.ts", () => {
        const printed = printRewritten(parseFile(c.input), c.options);
        if (update) writeFileSync(outputFile, printed);
        expect(printed).toBe(readFileSync(outputFile, "utf8"));
      });

      it("is idempotent: rewriting output.ts changes nothing (hand-stamped calls are left alone)", () => {
        const output = readFileSync(outputFile, "utf8");
        expect(printRewritten(parseFile(path.join(c.dir, "output.ts"), output), c.options)).toBe(output);
      });

      it("reports diagnostics.json with a type checker (tspc, editor)", () => {
        const sf = program.getSourceFile(c.input);
        expect(sf).toBeDefined();
        const actual = diagnosticsOf(sf!, c.options, program);
        if (update) {
          const syntaxOnly = new Set(
            diagnosticsOf(parseFile(c.input), c.options).map((d) => `${d.line}:${d.column}:${d.code}`),
          );
          const entries = actual.map((d) =>
            syntaxOnly.has(`${d.line}:${d.column}:${d.code}`) ? d : { ...d, checkerOnly: true },
          );
          writeFileSync(diagnosticsFile, `${JSON.stringify(entries, null, 2)}\n`);
        }
        const expected = JSON.parse(readFileSync(diagnosticsFile, "utf8")) as ExpectedDiagnostic[];
        expect(actual).toEqual(expected.map(({ code, line, column }) => ({ code, line, column })));
      });

      it("reports the syntax subset without a type checker (vite, node loader)", () => {
        const expected = JSON.parse(readFileSync(diagnosticsFile, "utf8")) as ExpectedDiagnostic[];
        const actual = diagnosticsOf(parseFile(c.input), c.options);
        expect(actual).toEqual(
          expected.filter((d) => !d.checkerOnly).map(({ code, line, column }) => ({ code, line, column })),
        );
      });

      const expectsNone =
        !update && (JSON.parse(readFileSync(diagnosticsFile, "utf8")) as unknown[]).length === 0;
      if (expectsNone) {
        it("is valid TypeScript against the workflow API (a clean fixture must compile)", () => {
          const sf = program.getSourceFile(c.input)!;
          const errors = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map(
            (d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"),
          );
          expect(errors).toEqual([]);
        });
      }
    });
  }
});
