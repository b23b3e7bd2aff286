export * from "./model/index.ts";
export * from "./errors/index.ts";
export type * from "./journal/journal.ts";
export * from "./journal/notifier.ts";
export * from "./journal/clock.ts";
// --- workflow API, engine, client, codec, journals ---------------------------------------
export * from "./workflow/index.ts";
export * from "./worker/index.ts";
export * from "./client/index.ts";
export {
  encode,
  decode,
  serializeError,
  deserializeError,
  registerErrorClass,
  registerPayloadClass,
  encodedSize,
} from "./codec/index.ts";
export type { PayloadClassCodec } from "./codec/index.ts";
export { Limits } from "./validation/limits.ts";
export { openJournal } from "./journal/open-journal.ts";
export type { OpenJournalOptions } from "./journal/open-journal.ts";
export { MemoryJournal, createMemoryJournal, ManualClock } from "./journal/memory/index.ts";
export type { MemoryJournalOptions } from "./journal/memory/index.ts";
