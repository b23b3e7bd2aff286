/**
 * Splits a migration script into single statements. Needed because PGlite (and the extended
 * query protocol in general) runs one statement per query. Understands the lexical forms our
 * migrations use: '...' strings, "..." identifiers, $tag$...$tag$ bodies, -- and block comments.
 *
 * @example
 * ```ts
 * splitSqlStatements("CREATE TABLE a (x int); -- done\nSELECT 1;"); // ["CREATE TABLE a (x int)", "SELECT 1"]
 * ```
 */
export function splitSqlStatements(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  const push = (end: number): void => {
    const text = script.slice(start, end).trim();
    if (stripComments(text).trim() !== "") statements.push(text);
  };
  while (i < script.length) {
    const ch = script[i];
    const next = script[i + 1];
    if (ch === "-" && next === "-") {
      const eol = script.indexOf("\n", i);
      i = eol === -1 ? script.length : eol + 1;
    } else if (ch === "/" && next === "*") {
      const close = script.indexOf("*/", i + 2);
      i = close === -1 ? script.length : close + 2;
    } else if (ch === "'" || ch === '"') {
      i = skipQuoted(script, i, ch);
    } else if (ch === "$") {
      const tag = /^\$[A-Za-z_]*\$/.exec(script.slice(i));
      if (tag) {
        const close = script.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? script.length : close + tag[0].length;
      } else {
        i++;
      }
    } else if (ch === ";") {
      push(i);
      start = ++i;
    } else {
      i++;
    }
  }
  push(script.length);
  return statements;
}

/** Index just past the quoted token opening at `open` ('' and "" are escaped quotes). */
function skipQuoted(script: string, open: number, quote: string): number {
  let i = open + 1;
  while (i < script.length) {
    if (script[i] === quote) {
      if (script[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return i;
}

function stripComments(text: string): string {
  return text.replace(/--[^\n]*/g, "").replace(/\/\*[\s\S]*?\*\//g, "");
}
