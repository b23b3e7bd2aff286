import type { Cursor, WorkflowStamp } from "../model/index.ts";

// Frames in Continuum's own workflow API and replay engine are skipped to find the user's
// call; test files living next to them are user code for this purpose.
// Built, this module runs from dist/; under --enable-source-maps its frames name the original
// src/ files instead, so both roots count.
const moduleRoots = [new URL("../", import.meta.url), new URL("../../src/", import.meta.url)].map((url) =>
  decodeURIComponent(url.pathname),
);
const internalDirs = moduleRoots.flatMap((root) => [`${root}workflow/`, `${root}replay/`]);

/**
 * `file:line:column` of the innermost stack frame outside Continuum's workflow API and replay
 * engine: where the workflow made the call being examined. Only computed on drift.
 */
export function userCallSite(): string | undefined {
  const stack = new Error().stack;
  if (stack === undefined) return undefined;
  for (const line of stack.split("\n").slice(1)) {
    const match = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (match === null) continue;
    const file = (match[1] as string).startsWith("file://")
      ? decodeURIComponent(new URL(match[1] as string).pathname)
      : (match[1] as string);
    if (file.startsWith("node:") || file === "native") continue;
    if (internalDirs.some((dir) => file.startsWith(dir)) && !file.endsWith(".test.ts")) continue;
    return `${file}:${match[2]}:${match[3]}`;
  }
  return undefined;
}

/** Where a cursor sits in the workflow's current source, per its stamp. */
export function stampLocation(stamp: WorkflowStamp | undefined, cursor: Cursor): string | undefined {
  if (stamp === undefined) return undefined;
  const index = stamp.cursors.indexOf(cursor);
  const where = `${stamp.file}:${stamp.line}`;
  return index < 0
    ? `no longer called by the workflow at ${where}`
    : `effect ${index + 1} of ${stamp.cursors.length} of the workflow at ${where}`;
}

/** The cursor part of an identity (`cursor@occurrence`). */
export function cursorOf(identity: string): Cursor {
  const at = identity.lastIndexOf("@");
  return at < 0 ? identity : identity.slice(0, at);
}
