import ts from "typescript";
import type { EffectKindName } from "../syntax/api-reference.ts";
import { importBindingOf, lookupIdentifier, skipOuter } from "../syntax/scope.ts";

/** Target used when the first argument cannot name the target (SPEC section 2). */
export const EXPR_TARGET = "expr";

const entityKinds: ReadonlySet<EffectKindName> = new Set(["activity", "child", "startChild"]);
const literalKinds: ReadonlySet<EffectKindName> = new Set(["signal", "patched", "deprecatePatch"]);

/** Percent-encodes `#`, `@` and whitespace so a target cannot break the cursor grammar. */
export function encodeTarget(raw: string): string {
  return raw.replace(/[#@\s]/gu, (ch) =>
    Array.from(new TextEncoder().encode(ch), (b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join(
      "",
    ),
  );
}

function entityName(expr: ts.Expression): string | undefined {
  const e = skipOuter(expr);
  if (ts.isPropertyAccessExpression(e) && !ts.isPrivateIdentifier(e.name)) {
    const base = entityName(e.expression);
    return base === undefined ? undefined : `${base}.${e.name.text}`;
  }
  if (ts.isIdentifier(e)) {
    const hit = lookupIdentifier(e);
    const binding = hit ? importBindingOf(hit.declaration) : undefined;
    // A renamed named import resolves to the exported name; namespace and default imports have
    // no exported name worth keeping, so the local name stands.
    if (binding && binding.imported !== "*" && binding.imported !== "default") return binding.imported;
    return e.text;
  }
  return undefined;
}

/** The target part of a cursor for an effect call of `kind` (SPEC section 2). */
export function cursorTarget(kind: EffectKindName, call: ts.CallExpression): string {
  const first = call.arguments[0];
  if (entityKinds.has(kind)) {
    const name = first === undefined ? undefined : entityName(first);
    return encodeTarget(name ?? EXPR_TARGET);
  }
  if (literalKinds.has(kind)) {
    const arg = first === undefined ? undefined : skipOuter(first);
    if (arg && (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)))
      return encodeTarget(arg.text);
    return EXPR_TARGET;
  }
  return "";
}
