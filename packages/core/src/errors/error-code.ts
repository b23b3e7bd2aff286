/**
 * Stable error codes. A code, once released, keeps its meaning forever; add new ones, never
 * rename. Grouped by the layer that raises them.
 */
export const ErrorCode = {
  // workflow definition and registration
  WorkflowNotTransformed: "CTM_WORKFLOW_NOT_TRANSFORMED",
  WorkflowAlreadyRegistered: "CTM_WORKFLOW_ALREADY_REGISTERED",
  WorkflowNotRegistered: "CTM_WORKFLOW_NOT_REGISTERED",
  InvalidWorkflowDefinition: "CTM_INVALID_WORKFLOW_DEFINITION",
  InvalidActivityDefinition: "CTM_INVALID_ACTIVITY_DEFINITION",
  ActivityNotRegistered: "CTM_ACTIVITY_NOT_REGISTERED",
  EffectOutsideWorkflow: "CTM_EFFECT_OUTSIDE_WORKFLOW",
  EffectNotStamped: "CTM_EFFECT_NOT_STAMPED",
  ScopeNeedsAsyncContext: "CTM_SCOPE_NEEDS_ASYNC_CONTEXT",
  InvalidArgument: "CTM_INVALID_ARGUMENT",
  TransactionNotSupported: "CTM_TRANSACTION_NOT_SUPPORTED",
  // transformer (thrown by the vite plugin and the node loader as DeterminismError; the
  // diagnostics themselves carry CTM1001-CTM1906, see transformer/SPEC.md)
  Determinism: "CTM_DETERMINISM",
  // replay
  ReplayDrift: "CTM_REPLAY_DRIFT",
  // workflow-visible failures
  ActivityFailure: "CTM_ACTIVITY_FAILURE",
  Cancelled: "CTM_CANCELLED",
  WorkflowFailed: "CTM_WORKFLOW_FAILED",
  // payload codec
  Unserializable: "CTM_UNSERIALIZABLE",
  PayloadTooLarge: "CTM_PAYLOAD_TOO_LARGE",
  MalformedPayload: "CTM_MALFORMED_PAYLOAD",
  // journal and engine
  LeaseLost: "CTM_LEASE_LOST",
  StaleAttempt: "CTM_STALE_ATTEMPT",
  RunNotFound: "CTM_RUN_NOT_FOUND",
  RunAlreadyExists: "CTM_RUN_ALREADY_EXISTS",
  RunFinished: "CTM_RUN_FINISHED",
  SequenceConflict: "CTM_SEQUENCE_CONFLICT",
  MigrationFailed: "CTM_MIGRATION_FAILED",
  DatabaseUnavailable: "CTM_DATABASE_UNAVAILABLE",
  Timeout: "CTM_TIMEOUT",
  // test kit
  TestKit: "CTM_TEST_KIT",
  // engine and client (appended)
  ActivityAlreadyRegistered: "CTM_ACTIVITY_ALREADY_REGISTERED",
  EngineStopped: "CTM_ENGINE_STOPPED",
  // SQL journal (appended)
  SchemaNotMigrated: "CTM_SCHEMA_NOT_MIGRATED",
  // composition (appended)
  ChildWorkflowFailure: "CTM_CHILD_WORKFLOW_FAILURE",
  // versioning and sagas (appended)
  WorkflowVersionConflict: "CTM_WORKFLOW_VERSION_CONFLICT",
  WorkflowTimeout: "CTM_WORKFLOW_TIMEOUT",
  WorkflowVersionNotRegistered: "CTM_WORKFLOW_VERSION_NOT_REGISTERED",
  // journal limits (appended)
  InvalidDuration: "CTM_INVALID_DURATION",
  // signals (appended)
  SignalWaitReplaced: "CTM_SIGNAL_WAIT_REPLACED",
  // sticky fast path (appended)
  InboxNotEmpty: "CTM_INBOX_NOT_EMPTY",
  // embedded database (appended)
  DataDirLocked: "CTM_DATA_DIR_LOCKED",
  // one validation layer at the public boundary (appended)
  InvalidIdentifier: "CTM_INVALID_IDENTIFIER",
  InvalidNumber: "CTM_INVALID_NUMBER",
  InvalidCursor: "CTM_INVALID_CURSOR",
  InvalidAttributes: "CTM_INVALID_ATTRIBUTES",
  InvalidConnectionString: "CTM_INVALID_CONNECTION_STRING",
  // test kit (appended)
  TestClockInUse: "CTM_TEST_CLOCK_IN_USE",
  // sagas (appended)
  CompensationFailure: "CTM_COMPENSATION_FAILURE",
  // typed messages (appended)
  SignalPayloadInvalid: "CTM_SIGNAL_PAYLOAD_INVALID",
  SignalNotDeclared: "CTM_SIGNAL_NOT_DECLARED",
  QueryNotRegistered: "CTM_QUERY_NOT_REGISTERED",
  QueryUnavailable: "CTM_QUERY_UNAVAILABLE",
  EffectInQuery: "CTM_EFFECT_IN_QUERY",
  UpdateInputInvalid: "CTM_UPDATE_INPUT_INVALID",
  UpdateFailed: "CTM_UPDATE_FAILED",
  // declared queries and updates (appended)
  QueryNotDeclared: "CTM_QUERY_NOT_DECLARED",
  UpdateNotDeclared: "CTM_UPDATE_NOT_DECLARED",
  // test kit on a journal it does not control (appended)
  TestClockUnavailable: "CTM_TEST_CLOCK_UNAVAILABLE",
  // operator actions (appended)
  RunNotRetryable: "CTM_RUN_NOT_RETRYABLE",
  OperatorUnsupported: "CTM_OPERATOR_UNSUPPORTED",
  // run queues (appended)
  InvalidQueueOption: "CTM_INVALID_QUEUE_OPTION",
  // schedules and delayed starts (appended)
  InvalidSchedule: "CTM_INVALID_SCHEDULE",
  ScheduleNotFound: "CTM_SCHEDULE_NOT_FOUND",
  ScheduleAlreadyExists: "CTM_SCHEDULE_ALREADY_EXISTS",
  // instances (appended)
  InvalidSchemaName: "CTM_INVALID_SCHEMA_NAME",
  // typed search attribute queries (appended)
  InvalidAttributeQuery: "CTM_INVALID_ATTRIBUTE_QUERY",
  // journal lifecycle (appended)
  JournalClosed: "CTM_JOURNAL_CLOSED",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
