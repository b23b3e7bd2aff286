const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = B64.indexOf(ch);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -(value >> 1) : value >> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

/** For each generated line (0-based), the original lines (0-based) its segments map to. */
export function originalLinesByGeneratedLine(mappings: string): number[][] {
  let originalLine = 0;
  return mappings.split(";").map((line) => {
    const out: number[] = [];
    for (const segment of line.split(",")) {
      if (!segment) continue;
      const v = decodeVlq(segment);
      if (v.length >= 4) {
        originalLine += v[2] as number;
        out.push(originalLine);
      }
    }
    return out;
  });
}
