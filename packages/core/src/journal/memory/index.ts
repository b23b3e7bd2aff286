/** The in-memory Journal adapter and its in-process notifier. */
export { MemoryJournal, createMemoryJournal } from "./memory-journal.ts";
export type { MemoryJournalOptions } from "./memory-journal.ts";
export { MemoryNotifier } from "./memory-notifier.ts";
export { ManualClock } from "./manual-clock.ts";
