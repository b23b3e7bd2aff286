import type { Journal } from "../journal/journal.ts";
import { TransactionNotSupportedError } from "../errors/journal-errors.ts";

/**
 * The journal itself, or the journal joined to the caller's transaction (`transaction` option
 * of a start or a signal), so what the client writes commits or rolls back with the caller's rows.
 */
export function joinedJournal(journal: Journal, transaction: object | undefined): Journal {
  if (transaction === undefined) return journal;
  if (journal.bindTransaction === undefined)
    throw new TransactionNotSupportedError(
      "this journal has no transactions (the memory journal); use an SQL journal from openJournal()",
    );
  return journal.bindTransaction(transaction);
}
