import type { Journal, RunQueueConfig, TaskClaim, TaskOutcome } from "../journal/journal.ts";
import type { ActivityContext } from "./activity-context.ts";
import type { EngineEventEmitter } from "./engine-events.ts";
import type { EngineTimers } from "./engine-timers.ts";
import type { RunTraceContexts } from "./run-trace-contexts.ts";

/** The function behind an activity name: what the pool calls with the decoded arguments. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- activities have arbitrary typed signatures
export type ActivityImplementation = (...args: any[]) => unknown;

/**
 * Sticky fast path: hands a finished attempt's result to the run's cached execution, to be
 * committed by the run's next step together with the task's completion. Resolves true once that
 * step committed; false when it could not (lease lost, stale attempt, run not cached), and then
 * the pool reports the outcome with `finishTask` as usual, so no result is lost. `onCommitted`
 * is called synchronously when that step commits, before the step's own events are reported.
 */
export type FinishLocally = (
  claim: TaskClaim,
  outcome: Extract<TaskOutcome, { kind: "completed" | "failed" }>,
  onCommitted: () => void,
) => Promise<boolean>;

/**
 * Settings of an {@link ActivityPool}: kept apart from the pool so that the parts it is built
 * from (attempt runner, outcome reporter, queued-task claimer) read the same settings.
 */
export interface ActivityPoolOptions {
  readonly journal: Journal;
  readonly owner: string;
  readonly concurrency: number;
  readonly activities: ReadonlyMap<string, ActivityImplementation>;
  readonly events: EngineEventEmitter;
  readonly timers: EngineTimers;
  /**
   * Named queues that activities of this pool are routed to (`defineActivity(..., { queue })`):
   * their limits are stored on the first claim, and their tasks claimed with `claimQueuedTasks`
   * before the other due tasks.
   */
  readonly queues?: readonly RunQueueConfig[];
  /**
   * Offered the outcome of an attempt this pool claimed from the journal (`claimTasks`), as
   * `startReserved`'s `finishLocally` is for an attempt a step created claimed: when the run is
   * cached in this engine, its next step commits the outcome with the task's completion, and
   * outcomes that arrive together (a fan-out wider than the free slots, whose later attempts
   * are claimed one by one) go into one step instead of one `finishTask` transaction each, all
   * waiting on the run row's lock. It resolves false when the run is not cached here, and the
   * outcome goes to `finishTask`. Attempts of named queues are not offered: their slots are
   * the queue's, released by `finishTask`.
   */
  readonly finishClaimedLocally?: FinishLocally;
  /** Called when an attempt settles and frees its slot while due tasks may be waiting for one (wakes the claim loop). */
  readonly onSlotFreed?: () => void;
  /**
   * Called when the outcome of an in-process attempt (no task row) could not be written at all:
   * the engine stops holding the run without giving its lease back, so that once the lease
   * runs out the run is woken and the attempt's call re-issued (wakeLostAttempts).
   */
  readonly onAttemptLost?: (runId: string) => void;
  /** Called when a retry was scheduled: its due time is news to the timer loop's pacing. */
  readonly onRetryScheduled?: (delayMs: number) => void;
  /**
   * The engine's attempt lease (ms): claimed attempts are abandoned by the journal this long
   * after the last renewal, and the pool's heartbeat flushes renew all of them, so a dead
   * engine's attempts are retried after it. Absent: attempts are bounded by their timeouts.
   */
  readonly attemptLeaseMs?: number;
  /**
   * Instrumentation (`Instrumentation.activity`): wraps each attempt's call of its function,
   * with the run's trace context on the attempt's context.
   */
  readonly instrument?: {
    readonly around: (attempt: ActivityContext, next: () => Promise<unknown>) => Promise<unknown>;
    readonly traceContexts: RunTraceContexts;
  };
}
