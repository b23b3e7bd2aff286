// The request, record and result types of the Journal port (journal.ts), kept apart so the
// port itself reads as one interface. One file per concept; this module gathers them for the
// port and its callers.
export type { RunRecord, RunFilter, RunPage } from "./run-record.ts";
export type {
  StartConflictPolicy,
  StartRunRequest,
  StartRunResult,
  FirstStepStart,
  SendSignalRequest,
} from "./start-run-types.ts";
export type {
  ClaimRunsRequest,
  ReleaseRunOptions,
  WorkflowVersionRef,
  MarkUnknownVersionsRequest,
  UnservedWorkflowsRequest,
  UnservedWorkflow,
  RunLeaseRef,
  InboxItem,
  RunClaim,
} from "./run-claim-types.ts";
export type {
  NewTask,
  FinishedTask,
  NewTimer,
  StepCommit,
  NewChildRun,
  StepCommitResult,
} from "./step-commit-types.ts";
export type {
  ClaimTasksRequest,
  TaskAttemptRef,
  TaskClaim,
  TaskHeartbeat,
  HeartbeatTasksOptions,
  HeartbeatTasksResult,
  TaskOutcome,
  PersistAttemptsRequest,
  ReissueAttemptsRequest,
} from "./task-attempt-types.ts";
export type { QueueStats } from "./queue-stats.ts";
export type { DeleteClosedRunsRequest, ClosedRunSummary, DeleteClosedRunsResult } from "./retention-types.ts";
