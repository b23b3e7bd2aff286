import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkSourceFile, createCheckSession } from "../src/checker/check-source-file.ts";
import { formatDiagnostic } from "../src/checker/continuum-diagnostic.ts";
import { classifyFile, classifyFileWithReason } from "../src/classify/file-kind.ts";
import { resolveOptions } from "../src/options.ts";
import { encodeTarget } from "../src/rewrite/cursor-target.ts";
import { versionHash } from "../src/rewrite/version-hash.ts";
import { matchesAnyGlob } from "../src/syntax/glob.ts";
import { parseFile } from "./support/test-program.ts";

describe("version hash", () => {
  it("is the first 16 hex chars of SHA-256 over the cursors joined by newlines", () => {
    const cursors = ["activity:payments.charge#0", "sleep:#0"];
    const expected = createHash("sha256")
      .update("activity:payments.charge#0\nsleep:#0")
      .digest("hex")
      .slice(0, 16);
    expect(versionHash(cursors)).toBe(expected);
    expect(versionHash(cursors)).toMatch(/^[0-9a-f]{16}$/);
    expect(versionHash([...cursors].reverse())).not.toBe(expected);
  });
});

describe("target encoding", () => {
  it("percent-encodes #, @ and whitespace only", () => {
    expect(encodeTarget("a b#c@d\te")).toBe("a%20b%23c%40d%09e");
    expect(encodeTarget("payments.charge")).toBe("payments.charge");
    expect(encodeTarget("x\u00a0y")).toBe("x%C2%A0y");
  });
});

describe("globs", () => {
  it("matches ** across directories and * within one", () => {
    expect(matchesAnyGlob("src/shared/format.ts", ["src/**/*.ts"])).toBe(true);
    expect(matchesAnyGlob("src/format.ts", ["src/**/*.ts"])).toBe(true);
    expect(matchesAnyGlob("src/a/b.ts", ["src/*.ts"])).toBe(false);
    expect(matchesAnyGlob("lib/x.pure.ts", ["**/*.pure.{ts,mts}"])).toBe(true);
    expect(matchesAnyGlob("lib/x.pure.js", ["**/*.pure.{ts,mts}"])).toBe(false);
  });
});

describe("file classification", () => {
  const options = resolveOptions({ workflowFiles: ["flows/**"], pureModules: ["lib/*.ts"] }, "/app");
  const kind = (file: string, text: string) => classifyFile(parseFile(file, text), options);
  it("follows directives, globs and API imports", () => {
    expect(kind("/app/a.ts", '"use workflow";\nexport const x = 1;')).toBe("workflow");
    expect(kind("/app/a.ts", '"use strict";\n"use pure";\nexport const x = 1;')).toBe("pure");
    expect(kind("/app/a.ts", 'export const x = 1;\n"use pure";')).toBe("other");
    expect(kind("/app/flows/x.ts", "export const x = 1;")).toBe("workflow");
    expect(kind("/app/lib/x.ts", "export const x = 1;")).toBe("pure");
    expect(kind("/app/a.ts", 'import { workflow } from "@continuum/core";')).toBe("workflow");
    expect(kind("/app/a.ts", 'import { sleep as s } from "@continuum/core/workflow";')).toBe("workflow");
    expect(kind("/app/a.ts", 'import { defineActivity } from "@continuum/core";')).toBe("other");
    expect(kind("/app/a.ts", 'import type { workflow } from "@continuum/core";')).toBe("other");
    expect(kind("/app/a.d.ts", '"use workflow";')).toBe("other");
    const excluding = resolveOptions({ exclude: ["legacy/**"] }, "/app");
    expect(
      classifyFile(
        parseFile("/app/legacy/a.ts", '"use workflow";\nimport { workflow } from "@continuum/core";'),
        excluding,
      ),
    ).toBe("other");
    expect(
      classifyFile(parseFile("/app/src/a.ts", 'import { workflow } from "@continuum/core";'), excluding),
    ).toBe("workflow");
  });
});

describe("why a file is checked", () => {
  const options = resolveOptions({ workflowFiles: ["flows/**"] }, "/app");
  const reason = (file: string, text: string) =>
    classifyFileWithReason(parseFile(file, text), options).reason;
  it("names the directive, the option or the import (with its line) that made the file workflow code", () => {
    expect(reason("/app/a.ts", '"use workflow";\nexport const x = 1;')).toBe(
      'it starts with the "use workflow" directive',
    );
    expect(reason("/app/flows/x.ts", "export const x = 1;")).toBe(
      "it matches the plugin option workflowFiles",
    );
    expect(
      reason(
        "/app/main.ts",
        'import { createEngine } from "@continuum/core";\nimport { activity as a } from "@continuum/core";',
      ),
    ).toMatch(
      /^it imports `a` from "@continuum\/core" \(line 2\); keep code that starts or serves workflows/,
    );
    expect(reason("/app/a.ts", 'import { defineActivity } from "@continuum/core";')).toBeUndefined();
  });

  it("every diagnostic of a checked file carries the reason, in the printed form too", () => {
    const sf = parseFile(
      "/app/src/main.ts",
      'import { activity } from "@continuum/core";\nconsole.log(Date.now());\nexport { activity };',
    );
    const diagnostics = checkSourceFile(sf, createCheckSession(resolveOptions({}, "/app")));
    expect(diagnostics.length).toBeGreaterThan(0);
    for (const d of diagnostics)
      expect(d.why).toMatch(
        /^main\.ts is workflow code: it imports `activity` from "@continuum\/core" \(line 1\)/,
      );
    expect(formatDiagnostic(diagnostics[0]!)).toMatch(/\n {2}fix: .*\n {2}why: main\.ts is workflow code/);
  });
});
