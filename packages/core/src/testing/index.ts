export { createTestEnvironment } from "./create-test-environment.ts";
export type {
  TestEnvironment,
  TestEnvironmentOptions,
  AwaitableStatus,
  WaitCondition,
  WaitForOptions,
  RestartOptions,
  CrashOptions,
  CrashPoint,
  DeployedCode,
} from "./create-test-environment.ts";
export { captureLogger } from "../logging/capture-logger.ts";
export type { CapturedLog } from "../logging/capture-logger.ts";
export { mockActivity } from "./activity-mock.ts";
export type { ActivityMock } from "./activity-mock.ts";
export { replayHistory } from "./replay-history.ts";
export type { ReplayHistoryOptions } from "./replay-history.ts";
export { createManualTimers } from "./manual-timers.ts";
export type { ManualTimers } from "./manual-timers.ts";
// The Journal conformance suite is `@continuum/core/testing/conformance`: it registers vitest
// blocks, so it imports vitest, which this entry point must not need.
// The in-memory journal and its manual clock, for suites that drive a journal directly.
export { MemoryJournal, createMemoryJournal, ManualClock } from "../journal/memory/index.ts";
export type { MemoryJournalOptions } from "../journal/memory/index.ts";
export { testJournals, openTestJournal } from "./test-journal.ts";
export type {
  TestJournal,
  TestJournalOption,
  TestJournalCase,
  OpenTestJournalOptions,
} from "./test-journal.ts";
export { exploreCrashPoints } from "./explore-crash-points.ts";
export type {
  ExploreOptions,
  ExploreReport,
  CrashPointReport,
  CrashPointSpec,
  ExploredFault,
} from "./explore-crash-points.ts";
// The loop-less engine the environment drives, for custom drivers.
export { createManualEngine } from "../worker/manual-engine.ts";
export type { ManualEngine, ManualEngineOptions } from "../worker/manual-engine.ts";
