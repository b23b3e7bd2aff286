import ts from "typescript";
import { Rules, tsCodeOf, type RuleCode } from "./rule-codes.ts";

/** One determinism violation, with where it is and how to fix it. */
export interface ContinuumDiagnostic {
  readonly code: RuleCode;
  readonly message: string;
  readonly hint: string;
  readonly fileName: string;
  readonly start: number;
  readonly length: number;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

/** Builds a diagnostic for `node`; `detail` is appended to the rule's title. */
export function diagnosticAt(
  sf: ts.SourceFile,
  node: ts.Node,
  code: RuleCode,
  detail?: string,
): ContinuumDiagnostic {
  const start = node.getStart(sf);
  const lc = sf.getLineAndCharacterOfPosition(start);
  const rule = Rules[code];
  return {
    code,
    message: detail ? `${rule.title}: ${detail}` : rule.title,
    hint: rule.hint,
    fileName: sf.fileName,
    start,
    length: node.getEnd() - start,
    line: lc.line + 1,
    column: lc.character + 1,
  };
}

/** `file:line:col - error CTM1001: message (fix: hint)`, the format every entry point prints. */
export function formatDiagnostic(d: ContinuumDiagnostic, fileName: string = d.fileName): string {
  return `${fileName}:${d.line}:${d.column} - error ${d.code}: ${d.message}\n  fix: ${d.hint}`;
}

/** Converts to a TypeScript diagnostic (category error, code `77xxxx`, message starting with the CTM code). */
export function toTsDiagnostic(
  d: ContinuumDiagnostic,
  sf: ts.SourceFile,
  tsi: typeof ts = ts,
): ts.Diagnostic {
  return {
    file: sf,
    start: d.start,
    length: d.length,
    category: tsi.DiagnosticCategory.Error,
    code: tsCodeOf(d.code),
    source: "continuum",
    messageText: {
      messageText: `${d.code}: ${d.message}`,
      category: tsi.DiagnosticCategory.Error,
      code: tsCodeOf(d.code),
      next: [
        { messageText: `Fix: ${d.hint}`, category: tsi.DiagnosticCategory.Message, code: tsCodeOf(d.code) },
      ],
    },
  };
}
