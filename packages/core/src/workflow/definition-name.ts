import { Limits } from "../validation/limits.ts";
import { textProblem } from "../validation/text.ts";

/** Longest workflow or activity name accepted; names are stored in every run and task row. */
export const maxDefinitionNameLength: number = Limits.nameLength;

/**
 * Why `name` cannot name a workflow or an activity, or `undefined` when it can. Names are
 * stable identifiers (they are written into the journal), so they must be plain text: not
 * empty, at most 200 characters, no surrounding whitespace and no control characters.
 */
export function definitionNameProblem(name: unknown): string | undefined {
  if (typeof name !== "string") return `must be a string, got ${name === null ? "null" : typeof name}`;
  if (name.length === 0) return "must not be empty";
  if (name.length > maxDefinitionNameLength)
    return `must be at most ${maxDefinitionNameLength} characters, got ${name.length}`;
  if (name.trim() !== name) return "must not start or end with whitespace";
  if (/[\u0000-\u001f\u007f]/.test(name)) return "must not contain control characters";
  return textProblem(name);
}
