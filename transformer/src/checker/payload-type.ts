import ts from "typescript";

const TYPED_ARRAYS = [
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float16Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
];
/** Library objects the payload codec round-trips as they are. */
const ROUND_TRIPPED: ReadonlySet<string> = new Set([
  "Date",
  "RegExp",
  "ArrayBuffer",
  "SharedArrayBuffer",
  "DataView",
  "Error",
  ...TYPED_ARRAYS,
]);
/** Library containers the codec round-trips when their contents do. */
const CONTAINERS: ReadonlySet<string> = new Set(["Map", "ReadonlyMap", "Set", "ReadonlySet"]);
const ANONYMOUS: ReadonlySet<string> = new Set(["__type", "__object", "__class"]);
const MAX_DEPTH = 10;

function declaredInLibrary(
  symbol: ts.Symbol | undefined,
  isLibrary: (sf: ts.SourceFile) => boolean,
): boolean {
  const decl = symbol?.declarations?.[0];
  return decl !== undefined && isLibrary(decl.getSourceFile());
}

/** True when `type` is `Error`, a typed array, ... or a class/interface extending one of them. */
function extendsRoundTripped(
  type: ts.Type,
  checker: ts.TypeChecker,
  isLibrary: (sf: ts.SourceFile) => boolean,
  depth = 0,
): boolean {
  if (depth > 8) return false;
  const symbol = type.getSymbol();
  if (symbol && ROUND_TRIPPED.has(symbol.name) && declaredInLibrary(symbol, isLibrary)) return true;
  const target = (type as ts.TypeReference).target ?? type;
  if (
    !(target.flags & ts.TypeFlags.Object) ||
    !((target as ts.ObjectType).objectFlags & (ts.ObjectFlags.Class | ts.ObjectFlags.Interface))
  )
    return false;
  return (checker.getBaseTypes(target as ts.InterfaceType) ?? []).some((b) =>
    extendsRoundTripped(b, checker, isLibrary, depth + 1),
  );
}

/**
 * Why values of `type` cannot round-trip through the payload codec, or `undefined` when they
 * can (or cannot be decided: `any`, `unknown`, type parameters). The answer names the part,
 * e.g. `".onDone" is a function`.
 */
export function whyNotRoundTrippable(
  type: ts.Type,
  checker: ts.TypeChecker,
  isLibrary: (sf: ts.SourceFile) => boolean,
  at: ts.Node,
): string | undefined {
  const seen = new Set<ts.Type>();
  const walk = (t: ts.Type, where: string, depth: number): string | undefined => {
    if (depth > MAX_DEPTH) return undefined;
    const f = t.flags;
    if (
      f &
      (ts.TypeFlags.Any |
        ts.TypeFlags.Unknown |
        ts.TypeFlags.Never |
        ts.TypeFlags.TypeParameter |
        ts.TypeFlags.Index |
        ts.TypeFlags.IndexedAccess |
        ts.TypeFlags.Conditional |
        ts.TypeFlags.Substitution)
    )
      return undefined;
    if (f & ts.TypeFlags.ESSymbolLike) return `${where || "the value"} is a symbol`;
    if (t.isUnion() || t.isIntersection()) {
      for (const member of t.types) {
        const r = walk(member, where, depth + 1);
        if (r) return r;
      }
      return undefined;
    }
    if (!(f & ts.TypeFlags.Object)) return undefined;
    if (seen.has(t)) return undefined;
    seen.add(t);
    const symbol = t.getSymbol();
    const name = symbol?.name ?? "";
    const fromLibrary = declaredInLibrary(symbol, isLibrary);
    if (checker.isArrayType(t) || checker.isTupleType(t)) {
      for (const arg of checker.getTypeArguments(t as ts.TypeReference)) {
        const r = walk(arg, `${where}[]`, depth + 1);
        if (r) return r;
      }
      return undefined;
    }
    if (extendsRoundTripped(t, checker, isLibrary)) return undefined;
    if (fromLibrary && CONTAINERS.has(name)) {
      for (const arg of checker.getTypeArguments(t as ts.TypeReference)) {
        const r = walk(arg, `${where}<>`, depth + 1);
        if (r) return r;
      }
      return undefined;
    }
    if (t.getCallSignatures().length > 0 || t.getConstructSignatures().length > 0)
      return `${where || "the value"} is a function`;
    if (symbol && symbol.flags & ts.SymbolFlags.Class)
      return `${where || "the value"} is an instance of class ${name}`;
    if (fromLibrary && !ANONYMOUS.has(name) && name !== "Object")
      return `${where || "the value"} is a ${name}`;
    for (const prop of checker.getPropertiesOfType(t)) {
      const r = walk(checker.getTypeOfSymbolAtLocation(prop, at), `${where}.${prop.name}`, depth + 1);
      if (r) return r;
    }
    for (const info of checker.getIndexInfosOfType(t)) {
      const r = walk(info.type, `${where}[key]`, depth + 1);
      if (r) return r;
    }
    return undefined;
  };
  return walk(type, "", 0);
}
