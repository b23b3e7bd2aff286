import {
  applyEdits,
  modify,
  parse,
  printParseErrorCode,
  type FormattingOptions,
  type ParseError,
} from "jsonc-parser";

/**
 * Reads JSON with comments and trailing commas (tsconfig.json is JSONC). Throws a message naming
 * the file and the first syntax error's offset.
 */
export function parseJsonc(text: string, file: string): unknown {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first !== undefined)
    throw new Error(
      `${file} is not valid JSON(C): ${printParseErrorCode(first.error)} at offset ${first.offset}`,
    );
  return value;
}

/** The file's own indentation (first indented line), so edits look hand-made. */
export function formattingOf(text: string): FormattingOptions {
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? "  ";
  return {
    insertSpaces: !indent.startsWith("\t"),
    tabSize: indent.startsWith("\t") ? 1 : indent.length,
    eol: text.includes("\r\n") ? "\r\n" : "\n",
  };
}

/**
 * Sets `value` at `path` through jsonc-parser's minimal text edits: comments, trailing commas
 * and the formatting of everything else survive. An array index of -1 appends; a new property
 * is inserted first in its object.
 */
export function setJsonc(text: string, path: (string | number)[], value: unknown): string {
  const isArrayInsertion = typeof path[path.length - 1] === "number";
  return applyEdits(
    text,
    // New properties go first in their object: appended after a last property that carries a
    // trailing comment, jsonc-parser would leave that comment behind the new property instead.
    modify(text, path, value, {
      formattingOptions: formattingOf(text),
      isArrayInsertion,
      getInsertionIndex: () => 0,
    }),
  );
}
