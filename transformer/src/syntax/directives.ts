import ts from "typescript";

/** Directives that classify a file (section 3 of transformer/SPEC.md). */
export const Directive = { workflow: "use workflow", pure: "use pure" } as const;
export type Directive = (typeof Directive)[keyof typeof Directive];

/** The string-literal statements of the directive prologue (like `"use strict"`). */
export function readDirectives(sf: ts.SourceFile): ReadonlySet<string> {
  const found = new Set<string>();
  for (const statement of sf.statements) {
    if (!ts.isExpressionStatement(statement) || !ts.isStringLiteral(statement.expression)) break;
    found.add(statement.expression.text);
  }
  return found;
}
