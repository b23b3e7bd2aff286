export * from "./model/index.ts";
export * from "./errors/index.ts";
export type * from "./journal/journal.ts";
export * from "./journal/notifier.ts";
export * from "./journal/clock.ts";
// --- workflow API, engine, client, codec, journals ---------------------------------------
export * from "./workflow/index.ts";
export * from "./worker/index.ts";
export * from "./client/index.ts";
export * from "./queue/index.ts";
export * from "./schedules/index.ts";
export { nextFireAfter, fireTimesBetween, fireWorkflowId } from "./journal/schedule-plan.ts";
export { createConsoleLogger, messageFirstLogger } from "./logging/index.ts";
export type {
  ConsoleLoggerOptions,
  LogFields,
  LoggerLike,
  LogOptions,
  LogStream,
  MessageFirstLogger,
} from "./logging/index.ts";
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
export { attributeScopeOf, checkQueryTypes } from "./validation/attribute-query-types.ts";
export type { AttributeScope, DeclaringWorkflow } from "./validation/attribute-query-types.ts";
export { openJournal } from "./journal/open-journal.ts";
export type { OpenJournalOptions, PgliteHandle } from "./journal/open-journal.ts";
export type { OpenJournalProgress, OpenJournalProgressListener } from "./journal/open-progress.ts";
export { MemoryJournal, createMemoryJournal, ManualClock } from "./journal/memory/index.ts";
export type { MemoryJournalOptions } from "./journal/memory/index.ts";
// --- read model: what the Observer, the CLI and the OpenTelemetry bridge read ----------------
export * from "./inspect/index.ts";
export { ageBuckets, auditChecks } from "./journal/journal-inspector.ts";
export * from "./operator/index.ts";
export { operatorActionKinds, repairKinds } from "./journal/journal-admin.ts";
// --- operations: what the `continuum` command (packages/cli) runs ----------------------------
export { migrateDatabase } from "./journal/sql/migrate-database.ts";
export type { MigrateDatabaseOptions } from "./journal/sql/migrate-database.ts";
export { migrationSql } from "./journal/sql/migrator.ts";
export { continuumSchemaDialect } from "./journal/sql/schema-dialect.ts";
export { checkSchemaName, DEFAULT_SCHEMA } from "./validation/schema-name.ts";
export type { MigrateResult, Migration } from "./journal/sql/migrator.ts";
