import type { Journal } from "../journal/journal.ts";
import { InvalidEngineOptionError } from "../errors/engine-errors.ts";
import { describeValue } from "./text.ts";

/**
 * Checks that `value` is a journal (what `openJournal()` or `createMemoryJournal()` returned),
 * so a missing or wrong `journal` option fails where it is passed, not as a TypeError at the
 * first call.
 *
 * @example
 * ```ts
 * const journal = checkJournalOption(options.journal);
 * ```
 */
export function checkJournalOption(value: unknown): Journal {
  const journal = value as Partial<Journal> | null | undefined;
  if (
    typeof journal !== "object" ||
    journal === null ||
    typeof journal.startRun !== "function" ||
    typeof journal.getRun !== "function"
  )
    throw new InvalidEngineOptionError(
      "journal",
      describeValue(value),
      "a journal from openJournal() or createMemoryJournal()",
    );
  return value as Journal;
}
