/**
 * Strict structural equality for codec tests: stricter than `toStrictEqual` where the codec
 * promises more (key order, -0, holes, invalid Dates, typed-array types, prototypes).
 * Returns the path of the first difference, or undefined when equal.
 */
export function firstDifference(a: unknown, b: unknown, path = "value"): string | undefined {
  if (typeof a !== typeof b) return `${path}: type ${typeof a} vs ${typeof b}`;
  if (typeof a !== "object" || a === null || b === null) {
    return Object.is(a, b) ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
  }
  const ob = b as object;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(ob)) return `${path}: prototypes differ`;
  if (a instanceof Date)
    return Object.is(a.getTime(), (ob as Date).getTime()) ? undefined : `${path}: dates differ`;
  if (a instanceof RegExp) {
    const rb = ob as RegExp;
    return a.source === rb.source && a.flags === rb.flags ? undefined : `${path}: regexps differ`;
  }
  if (a instanceof ArrayBuffer)
    return bytesDiffer(new Uint8Array(a), new Uint8Array(ob as ArrayBuffer), path);
  if (ArrayBuffer.isView(a)) {
    const vb = ob as ArrayBufferView;
    return bytesDiffer(
      new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
      new Uint8Array(vb.buffer, vb.byteOffset, vb.byteLength),
      path,
    );
  }
  if (a instanceof Map) {
    const ea = [...a];
    const eb = [...(ob as Map<unknown, unknown>)];
    return firstDifference(ea, eb, `${path}<entries>`);
  }
  if (a instanceof Set) return firstDifference([...a], [...(ob as Set<unknown>)], `${path}<values>`);
  if (Array.isArray(a)) {
    const ab = ob as unknown[];
    if (a.length !== ab.length) return `${path}: length ${a.length} vs ${ab.length}`;
    for (let i = 0; i < a.length; i++) {
      if (i in a !== i in ab) return `${path}[${i}]: hole vs value`;
      const d = firstDifference(a[i], ab[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(ob);
  if (ka.join("\u0001") !== kb.join("\u0001"))
    return `${path}: keys ${JSON.stringify(ka)} vs ${JSON.stringify(kb)}`;
  for (const k of ka) {
    const d = firstDifference(
      (a as Record<string, unknown>)[k],
      (ob as Record<string, unknown>)[k],
      `${path}.${k}`,
    );
    if (d !== undefined) return d;
  }
  return undefined;
}

function bytesDiffer(a: Uint8Array, b: Uint8Array, path: string): string | undefined {
  if (a.length !== b.length) return `${path}: byte length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `${path}: byte ${i} differs`;
  return undefined;
}
