/**
 * The engine: runs workflow steps, activity attempts and the timer wheel against a journal.
 *
 * @example
 * ```ts
 * const engine = createEngine({ journal, workflows: [orderFlow], activities: [charge, ship] });
 * engine.start();
 * ```
 */
export { createEngine, resolveEngineOptions } from "./create-engine.ts";
export type { Engine, EngineOptions, LocalRuns, StopOptions, StopSummary } from "./create-engine.ts";
export type { RetentionSweepSettings } from "./retention-sweep.ts";
export { activityContext } from "./activity-context.ts";
export type { ActivityContext } from "./activity-context.ts";
export type {
  ActivityAttemptEventBase,
  ActivityCompletedEvent,
  ActivityFailedEvent,
  ActivityRetriedEvent,
  ActivityScheduledEvent,
  ActivityStaleEvent,
  ActivityStartedEvent,
  ActivityTimedOutEvent,
  CacheEvictedEvent,
  EngineErrorEvent,
  EngineEventEmitter,
  EngineEventName,
  EngineEvents,
  LeaseAcquiredEvent,
  LeaseLostEvent,
  ReplayDriftEvent,
  ReplayCompletedEvent,
  ReplayStartedEvent,
  RunCancelledEvent,
  RunContinuedEvent,
  ChildStartedEvent,
  RunCompletedEvent,
  RunEventBase,
  RunFailedEvent,
  RunStartedEvent,
  SignalReceivedEvent,
  StepCommittedEvent,
  TimerFiredEvent,
  TimerSetEvent,
  WorkflowLogEvent,
} from "./engine-events.ts";
export type * from "./lifecycle-events.ts";
export { engineEventCatalogue, engineEventNames } from "./event-catalogue.ts";
export { createEngineEventEmitter } from "./engine-event-emitter.ts";
export type {
  ChildRunStart,
  InstrumentedEngine,
  Instrumentation,
  StartCall,
  StartedRun,
} from "./instrumentation.ts";
export { createLruCache } from "./lru-cache.ts";
export type { LruCache } from "./lru-cache.ts";
