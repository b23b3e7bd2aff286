import ts from "typescript";
import type { ApiModules } from "../syntax/api-modules.ts";
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

const MAX_ALIAS_DEPTH = 8;

/**
 * The entity name of an activity or child reference, from what it resolves to rather than the
 * local names that reach it: a named import stands for its exported name (`charge` for
 * `import { charge as c }`), a namespace import for its module's name (`travel.bookFlight` for
 * `import * as trips from "./activities/travel.ts"`), a default import for `module.default`, and
 * a `const` alias for its initializer (`const c = payments.charge` is `payments.charge`).
 */
function entityName(expr: ts.Expression, api: ApiModules, depth = 0): string | undefined {
  const e = skipOuter(expr);
  if (depth > MAX_ALIAS_DEPTH) return undefined;
  if (ts.isPropertyAccessExpression(e) && !ts.isPrivateIdentifier(e.name)) {
    const base = entityName(e.expression, api, depth + 1);
    return base === undefined ? undefined : `${base}.${e.name.text}`;
  }
  if (ts.isIdentifier(e)) {
    const hit = lookupIdentifier(e);
    const binding = hit ? importBindingOf(hit.declaration) : undefined;
    if (binding) {
      if (binding.imported !== "*" && binding.imported !== "default") return binding.imported;
      const module = api.moduleName(binding.module, e.getSourceFile().fileName);
      return binding.imported === "*" ? module : `${module}.default`;
    }
    const decl = hit?.declaration;
    if (
      decl &&
      ts.isVariableDeclaration(decl) &&
      ts.isIdentifier(decl.name) &&
      decl.initializer &&
      ts.isVariableDeclarationList(decl.parent) &&
      decl.parent.flags & ts.NodeFlags.Const
    ) {
      const init = skipOuter(decl.initializer);
      if (ts.isIdentifier(init) || ts.isPropertyAccessExpression(init)) {
        const aliased = entityName(init, api, depth + 1);
        if (aliased !== undefined) return aliased;
      }
    }
    return e.text;
  }
  return undefined;
}

/** The target part of a cursor for an effect call of `kind` (SPEC section 2). */
export function cursorTarget(kind: EffectKindName, call: ts.CallExpression, api: ApiModules): string {
  const first = call.arguments[0];
  if (entityKinds.has(kind)) {
    const name = first === undefined ? undefined : entityName(first, api);
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
