/**
 * The pure replay engine: (workflow function, history) -> execution -> steps. No I/O and no
 * node built-ins; the worker (src/worker) drives it and journals what it returns.
 */
export { createExecution } from "./create-execution.ts";
export { isResolutionEvent, terminalEvent } from "./history-events.ts";
export { commandsMatch, describeCommand } from "./command-match.ts";
export type {
  CreateExecution,
  Execution,
  ExecutionOptions,
  ExecutionRun,
  ExecutionStepInput,
  ExecutionStepResult,
  LogSink,
} from "./execution-contract.ts";
export { ReplayDriftError, ExecutionStateError } from "../errors/replay-errors.ts";
export type { DriftSide, ReplayDriftData } from "../errors/replay-errors.ts";
