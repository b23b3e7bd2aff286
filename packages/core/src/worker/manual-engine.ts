import type { Journal } from "../journal/journal.ts";
import type { ActivityImplementation } from "./activity-pool.ts";
import type { AnyActivityDefinition, AnyWorkflowDefinition } from "./definition-info.ts";
import type { EngineEventEmitter } from "./engine-events.ts";
import { createEngineRuntime } from "./engine-runtime.ts";
import type { EngineTimers } from "./engine-timers.ts";
import type { Registry } from "./registry.ts";
import type { CommittedStep } from "./run-stepper.ts";
import { severableJournal } from "./severable-journal.ts";
import type { Instrumentation } from "./instrumentation.ts";
import type { ScheduleDefinition } from "../schedules/define-schedule.ts";

/** Options of {@link createManualEngine}. */
export interface ManualEngineOptions {
  readonly journal: Journal;
  readonly workflows: readonly AnyWorkflowDefinition[];
  readonly activities?: readonly AnyActivityDefinition[];
  /** Lease owner id; unique per engine. */
  readonly owner: string;
  /** Claim only runs of this namespace; absent claims in every namespace. */
  readonly namespace?: string;
  /** Run lease duration (the journal's clock). Default 30 s, as `createEngine`. */
  readonly leaseMs?: number;
  /** Sticky executions kept between steps (0 replays every step). Default 100. */
  readonly cacheSize?: number;
  /** Parallel workflow steps and activity attempts. Default 64 each. */
  readonly concurrency?: number;
  /** See `EngineOptions.unknownVersionAfterMs`. Default 0: nobody else could have the version. */
  readonly unknownVersionAfterMs?: number;
  /** See `EngineOptions.driftBackoffMs`. Default: a drifted run is not retried. */
  readonly driftBackoffMs?: number;
  /** Local delays (activity timeouts); the test kit passes timers on its manual clock. */
  readonly timers?: EngineTimers;
  /** Implementations that replace registered activities' functions, by activity name. */
  readonly activityOverrides?: ReadonlyMap<string, ActivityImplementation>;
  /** Awaited after every committed step (paranoid replay checks, crash injection). */
  readonly afterCommit?: (step: CommittedStep) => Promise<void>;
  /** Emit on this emitter (kept across engines by a test driver); default a new one. */
  readonly events?: EngineEventEmitter;
  /** Activity and child hooks of `Instrumentation` (its `attach` is the driver's to call, once). */
  readonly instrumentation?: Instrumentation;
  /** Schedules declared in code (see `EngineOptions.schedules`); created on the first round. */
  readonly schedules?: readonly ScheduleDefinition[];
}

/**
 * An engine without background loops, for test drivers: the same runtime as `createEngine`
 * (every line that touches the journal is shared), moved forward one explicit round at a time.
 * The test kit drives it deterministically; `crash()` drops it the way a killed process would.
 */
export interface ManualEngine {
  readonly owner: string;
  readonly events: EngineEventEmitter;
  /** The registered workflows and activities (for replay checks of committed steps). */
  readonly registry: Registry;
  /** Activity attempts running now. */
  readonly activeAttempts: number;
  /** Of those, attempts still inside their activity function (not yet writing their outcome). */
  readonly attemptsInActivityCode: number;
  /**
   * One round of what the engine's loops do: fire due timers, start due activity tasks, step
   * every ready run until none is left, mark runs of unknown versions. True when anything
   * happened (a timer fired, a task started, a step committed, a run was marked).
   */
  runOnce(): Promise<boolean>;
  /** Resolves when an activity attempt settles (at once when none runs). */
  whenAnyAttemptSettles(): Promise<void>;
  /** The lease keeper's renewal, for drivers that move the journal's clock in jumps. */
  renewLeases(): Promise<void>;
  /**
   * Simulates a process crash: from now on nothing this engine started reaches the journal
   * (its calls never complete), in-flight attempts are aborted, the sticky cache is dropped and
   * no lease is released: the runs are taken over when their leases expire.
   */
  crash(): void;
  /**
   * After `crash()`: resolves once the statements the engine had sent before it died have
   * finished on the journal (a crash can come after a commit and before its answer).
   */
  crashLanded(): Promise<void>;
  /**
   * Simulates a process pause (a long GC pause, a frozen VM): from now on the engine's journal
   * calls are held (calls in flight land but do not answer), and `runOnce()` and the other
   * waits return at once, so a driver can let its leases expire and another engine take its
   * runs over. `resume()` lets everything held go on, as a process waking up does: the engine
   * does not know it lost its leases until the journal's fencing tells it.
   */
  pause(): void;
  /** Ends a `pause()`; the round that was running when it paused goes on. */
  resume(): void;
  /**
   * A clean shutdown: the round in progress (one resumed after a pause) ends, steps in flight finish, attempts too when `graceful` (default; up to
   * `timeoutMs`), else they are aborted; the leases are given back.
   */
  stop(options?: { readonly graceful?: boolean; readonly timeoutMs?: number }): Promise<void>;
}

/**
 * Creates a {@link ManualEngine}.
 *
 * @example
 * ```ts
 * const engine = createManualEngine({ journal, workflows: [orderFlow], owner: "test-1" });
 * await client.start(orderFlow, input);
 * while (await engine.runOnce()) {}   // everything due now has run
 * ```
 */
export function createManualEngine(options: ManualEngineOptions): ManualEngine {
  const severable = severableJournal(options.journal);
  const concurrency = options.concurrency ?? 64;
  let committed = 0;
  const runtime = createEngineRuntime({
    journal: severable.journal,
    workflows: options.workflows,
    activities: options.activities ?? [],
    owner: options.owner,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    workflowConcurrency: concurrency,
    activityConcurrency: concurrency,
    leaseMs: options.leaseMs ?? 30_000,
    cacheSize: options.cacheSize ?? 100,
    driftBackoffMs: options.driftBackoffMs ?? Number.MAX_SAFE_INTEGER,
    unknownVersionAfterMs: options.unknownVersionAfterMs ?? 0,
    ...(options.timers === undefined ? {} : { timers: options.timers }),
    ...(options.instrumentation === undefined ? {} : { instrumentation: options.instrumentation }),
    ...(options.activityOverrides === undefined ? {} : { activityOverrides: options.activityOverrides }),
    ...(options.afterCommit === undefined ? {} : { afterCommit: options.afterCommit }),
    ...(options.events === undefined ? {} : { events: options.events }),
    ...(options.schedules === undefined ? {} : { schedules: options.schedules }),
  });
  const countCommit = (): void => void committed++;
  // The emitter may outlive this engine (a test driver keeps one across restarts).
  runtime.events.on("step.committed", countCommit);
  let crashed = false;
  let signalCrash: () => void = () => {};
  // Work of a crashed engine never finishes (its journal is cut off): callers stop waiting for it.
  const crashedSignal = new Promise<false>((resolve) => (signalCrash = () => resolve(false)));
  let paused = false;
  let signalPause: () => void = () => {};
  const nextPause = (): Promise<false> =>
    new Promise<false>((resolve) => (signalPause = () => resolve(false)));
  // A paused engine's work is held at its journal: callers stop waiting for it, as for a crash.
  let pausedSignal = nextPause();
  const unlessCrashed = <T>(work: Promise<T>): Promise<T | false> =>
    Promise.race([work, crashedSignal, pausedSignal]);
  let currentRound: Promise<boolean> | undefined;
  const resume = (): void => {
    if (!paused) return;
    paused = false;
    pausedSignal = nextPause();
    severable.resume();
  };

  return {
    owner: options.owner,
    events: runtime.events,
    registry: runtime.registry,
    get activeAttempts() {
      return runtime.pool.active;
    },
    get attemptsInActivityCode() {
      return runtime.pool.inActivityCode;
    },
    async runOnce() {
      if (crashed || paused) return false;
      const work = round();
      currentRound = work;
      const progressed = await unlessCrashed(work);
      return progressed !== false && !crashed && !paused;
    },
    whenAnyAttemptSettles: async () => {
      await unlessCrashed(runtime.pool.whenAnySettles());
    },
    async renewLeases() {
      if (!crashed && !paused) await unlessCrashed(runtime.leaseKeeper.renew());
    },
    crashLanded: () => severable.landed(),
    pause() {
      if (crashed || paused) return;
      paused = true;
      severable.pause();
      signalPause();
    },
    resume,
    crash() {
      if (crashed) return;
      crashed = true;
      severable.sever();
      signalCrash();
      runtime.events.off("step.committed", countCommit);
      runtime.pool.abortAll();
      // No cache.clear(): that would release the leases, which a killed process cannot do.
    },
    async stop(stopOptions = {}) {
      if (crashed) return;
      resume();
      // A round that was paused goes on first: it may still claim runs, which are given back below.
      await currentRound?.catch(() => false);
      // Steps are short and never wait for activities: let them commit, then end the attempts.
      await runtime.settleSteps();
      if (stopOptions.graceful ?? true) await runtime.pool.drain(stopOptions.timeoutMs ?? 10_000);
      runtime.pool.abortAll();
      await runtime.cache.clear();
      runtime.events.off("step.committed", countCommit);
    },
  };

  async function round(): Promise<boolean> {
    const before = committed;
    const fired = (await runtime.fireTimers(1_000)) + (await runtime.fireSchedules());
    // Tasks before steps: claiming tasks may itself write to inboxes (an abandoned last attempt
    // fails its task), and the steps below must see that in the same round.
    const started = await runtime.pollTasks();
    // Run queues: a test driver is the whole world, so it serves every queue the journal knows
    // (defined by a client's first start into it), within the queue's limits.
    const queues = (await severable.journal.listQueues()).map((queue) => queue.name);
    const { dequeued } = await runtime.dequeue(queues);
    while ((await runtime.pollRuns()) > 0) {
      const stepsBefore = committed;
      await runtime.settleSteps();
      if (committed === stepsBefore) break;
    }
    await runtime.settleSteps();
    const stuck = await runtime.sweepUnknownVersions();
    await new Promise((resolve) => setImmediate(resolve));
    return fired > 0 || committed > before || started > 0 || stuck > 0 || dequeued > 0;
  }
}
