import ts from "typescript";
import { Rules, severityOf, tsCodeOf, type RuleCode, type RuleSeverity } from "./rule-codes.ts";

/** One determinism violation, with where it is and how to fix it. */
export interface ContinuumDiagnostic {
  readonly code: RuleCode;
  /** `warning` for CTM1520 (a workflow that cannot be stamped); every other rule is an `error`. */
  readonly severity: RuleSeverity;
  readonly message: string;
  readonly hint: string;
  readonly fileName: string;
  readonly start: number;
  readonly length: number;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** Why the file is checked at all: `<file> is workflow code: it imports ...`. */
  readonly why?: string;
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
    severity: severityOf(code),
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
  const why = d.why === undefined ? "" : `\n  why: ${d.why}`;
  return `${fileName}:${d.line}:${d.column} - ${d.severity} ${d.code}: ${d.message}\n  fix: ${d.hint}${why}`;
}

/** Converts to a TypeScript diagnostic (code `77xxxx`, message starting with the CTM code; warnings keep their category). */
export function toTsDiagnostic(
  d: ContinuumDiagnostic,
  sf: ts.SourceFile,
  tsi: typeof ts = ts,
): ts.Diagnostic {
  const category = d.severity === "warning" ? tsi.DiagnosticCategory.Warning : tsi.DiagnosticCategory.Error;
  return {
    file: sf,
    start: d.start,
    length: d.length,
    category,
    code: tsCodeOf(d.code),
    source: "continuum",
    messageText: {
      messageText: `${d.code}: ${d.message}`,
      category,
      code: tsCodeOf(d.code),
      next: [
        { messageText: `Fix: ${d.hint}`, category: tsi.DiagnosticCategory.Message, code: tsCodeOf(d.code) },
        ...(d.why === undefined
          ? []
          : [
              {
                messageText: `Why: ${d.why}`,
                category: tsi.DiagnosticCategory.Message,
                code: tsCodeOf(d.code),
              },
            ]),
      ],
    },
  };
}
