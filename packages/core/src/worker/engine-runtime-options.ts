import type { Journal, RunQueueConfig } from "../journal/journal.ts";
import type { ScheduleDefinition } from "../schedules/define-schedule.ts";
import type { ActivityImplementation } from "./activity-pool.ts";
import type { AnyActivityDefinition, AnyWorkflowDefinition } from "./definition-info.ts";
import type { EngineEventEmitter } from "./engine-events.ts";
import type { EngineTimers } from "./engine-timers.ts";
import type { Instrumentation } from "./instrumentation.ts";
import type { CommittedStep } from "./run-stepper.ts";

/** Settings of the engine runtime, defaults applied. */
export interface EngineRuntimeOptions {
  readonly journal: Journal;
  readonly workflows: readonly AnyWorkflowDefinition[];
  readonly activities: readonly AnyActivityDefinition[];
  readonly owner: string;
  /** Claim only runs of this namespace; absent claims across namespaces (test kit). */
  readonly namespace?: string;
  /** Claim only runs of these namespaces (an engine serving several); overrides `namespace`. */
  readonly namespaces?: readonly string[];
  readonly workflowConcurrency: number;
  readonly activityConcurrency: number;
  readonly leaseMs: number;
  /**
   * The attempt lease of this engine's activity attempts (see ActivityPoolOptions.attemptLeaseMs).
   * The engine's loops pass leaseMs; absent (the test kit's manual engine, whose clock jumps),
   * attempts are bounded by their own timeouts.
   */
  readonly attemptLeaseMs?: number;
  readonly cacheSize: number;
  readonly driftBackoffMs: number;
  /** Deferral after a failed step: initial, doubling per consecutive failure, capped. Default 1 s / 60 s. */
  readonly stepErrorBackoff?: { readonly initialMs: number; readonly maxMs: number };
  /** How long a ready run in a version this engine lacks waits before this engine marks it stuck. */
  readonly unknownVersionAfterMs?: number;
  readonly timers?: EngineTimers;
  /** Test kit: implementations that replace the registered activities' functions, by name. */
  readonly activityOverrides?: ReadonlyMap<string, ActivityImplementation>;
  /** Test kit: awaited after every committed step. */
  readonly afterCommit?: (step: CommittedStep) => Promise<void>;
  readonly onActivitySlotFreed?: () => void;
  readonly onRetryScheduled?: (delayMs: number) => void;
  readonly onWorkflowSlotFreed?: () => void;
  /**
   * Sticky fast path (default true): tasks scheduled by a run this engine keeps cached are
   * created claimed by it and run at once here, and their results go straight to the execution
   * in the run's next step (see RunStepper). False: every task goes through the task queue.
   */
  readonly stickyActivities?: boolean;
  /** How long ready runs of an unregistered workflow wait before `workflow.unserved`. Default 60 s. */
  readonly unservedWorkflowAfterMs?: number;
  /** Named run queues this engine dequeues from (their limits are in the journal: defineQueues). */
  readonly queues?: readonly string[];
  /**
   * Those run queues' definitions: the engine also serves activity attempts routed to them by a
   * call (`activity(fn, ...args, { queue })`), beside the queues its activities name.
   */
  readonly queueConfigs?: readonly RunQueueConfig[];
  /** Emit on this emitter instead of a new one (the test kit keeps one across restarts). */
  readonly events?: EngineEventEmitter;
  /** Tracing hooks (activity attempts, child trace contexts); `attach` is the caller's to call. */
  readonly instrumentation?: Instrumentation;
  /** Schedules declared in code: created or updated on the first schedule round. */
  readonly schedules?: readonly ScheduleDefinition[];
}
