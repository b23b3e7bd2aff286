import type { TaskClaim } from "../journal/journal.ts";
import type { EffectIdentity } from "../model/index.ts";
import { serializeError } from "../codec/error-codec.ts";
import { EngineStoppedError } from "../errors/engine-errors.ts";
import { StaleAttemptError } from "../errors/journal-errors.ts";
import { emitEvent } from "./engine-events.ts";
import { createHeartbeatBatcher } from "./heartbeat-batcher.ts";
import type { AttemptResult } from "./decide-outcome.ts";
import type { ActivityPoolOptions, FinishLocally } from "./activity-pool-options.ts";
import { createAttemptRunner } from "./attempt-runner.ts";
import { attemptRef, attemptRow, type AttemptRow } from "./attempt-row.ts";
import { createOutcomeReporter } from "./outcome-reporter.ts";
import { createQueuedTaskClaimer } from "./queued-task-claimer.ts";

export type { ActivityImplementation, ActivityPoolOptions, FinishLocally } from "./activity-pool-options.ts";

/**
 * Runs activity attempts: claims due tasks up to its free slots, runs each with the decoded
 * arguments inside an {@link ActivityContext}, enforces the attempt's start-to-close and
 * heartbeat timeouts, applies the retry policy and reports the outcome with `finishTask`.
 *
 * A timed-out attempt is abandoned, not reported: the pool stops waiting and aborts its signal,
 * and the journal re-claims the task once the attempt's deadline passed (counting it as a failed
 * attempt). That keeps a single authority, the journal's clock, over deadlines.
 */
export interface ActivityPool {
  /** Attempts running now. */
  readonly active: number;
  /** The engine's attempt lease its claims ask for (see {@link ActivityPoolOptions.attemptLeaseMs}). */
  readonly attemptLeaseMs?: number;
  /**
   * Of those, attempts still inside their activity function; the others have their outcome and
   * are writing it to the journal.
   */
  readonly inActivityCode: number;
  readonly free: number;
  /** Claims up to `free` tasks and starts them; returns how many started. */
  claimAndStart(): Promise<number>;
  /** True when this pool has code for the activity. */
  runs(activityName: string): boolean;
  /**
   * Sticky fast path: holds up to `max` free slots for tasks a step commit will create already
   * claimed by this engine; returns how many it holds. Give each back with `startReserved` or
   * `unreserve`.
   */
  reserve(max: number): number;
  /** Gives back `count` reserved slots unused. */
  unreserve(count: number): void;
  /** Starts a task claimed in a step commit in a reserved slot; `finishLocally` gets its result first. */
  startReserved(claim: TaskClaim, finishLocally?: FinishLocally): void;
  /** Resolves when any running attempt settles, or at once when none runs. */
  whenAnySettles(): Promise<void>;
  /** Waits up to `ms` for every running attempt to settle; true when all did. */
  drain(ms: number): Promise<boolean>;
  /** Aborts and abandons every running attempt (shutdown). */
  abortAll(): void;
  /**
   * Shutdown that hands work back: aborts every running attempt (its code sees the abort
   * signal) and, once each has settled, gives each attempt that has attempts left back to the
   * journal as due now (a `retry` outcome with no delay), so another engine claims it at once
   * instead of after the attempt's lease or deadline. An attempt on its last try is left to its
   * lease (handing it back would exceed maxAttempts). Resolves with the number handed back.
   */
  handBackAll(): Promise<number>;
  /**
   * The run withdrew these calls (a cancellation reached them): aborts the `signal` of their
   * attempts running in this pool. The attempts are not abandoned: what they return is reported
   * as usual; an attempt that throws after the abort fails for good instead of being retried.
   */
  abortAttempts(runId: string, identities: readonly EffectIdentity[], reason: Error): void;
  /** The calls of `runId` this pool runs in-process without a task row (see `NewTask.inProcess`). */
  inProcessOf(runId: string): EffectIdentity[];
  /** Resolves once no persist of `runId`'s attempts is under way. */
  settleRun(runId: string): Promise<void>;
  /** Abandons these in-process attempts of `runId`: their run no longer lists them (re-issued elsewhere). */
  abandonStale(runId: string, identities: readonly EffectIdentity[]): void;
  /**
   * Gives the in-process attempts of `runId` their task rows (before the run's lease is given
   * back: whoever claims the run next finds them as ordinary attempts of this engine). Resolves
   * false when the journal did not answer for some: the lease must then not be given back.
   */
  persistRun(runId: string): Promise<boolean>;
}

interface RunningAttempt {
  readonly row: AttemptRow;
  /** How the attempt ended, once it did. */
  ended?: "reported" | "abandoned";
  readonly done: Promise<void>;
  readonly runId: string;
  readonly identity: EffectIdentity;
  abandon(reason: Error): void;
  /** Aborts the attempt's signal (its call was withdrawn); it keeps running. */
  withdraw(reason: Error): void;
}

/** Creates an {@link ActivityPool}. */
export function createActivityPool(options: ActivityPoolOptions): ActivityPool {
  const { journal, owner, events, timers } = options;
  const running = new Set<RunningAttempt>();
  const attemptLeaseMs = options.attemptLeaseMs;
  const batcher = createHeartbeatBatcher({
    journal,
    timers,
    events,
    ...(attemptLeaseMs === undefined ? {} : { attemptLeaseMs }),
  });
  let reserved = 0;
  /**
   * Whether due tasks may be waiting for a slot: the last claim filled every free slot, or found
   * none free. Only then is a freed slot worth a claim right away (`onSlotFreed`); otherwise new
   * tasks announce themselves (task_ready), and the sticky fast path's attempts, which settle
   * all the time, do not cost a task poll each.
   */
  let backlog = true;
  let stopping = false;
  let draining = false;
  const activityNames = [...options.activities.keys()];
  const queued = createQueuedTaskClaimer(options, activityNames);
  const runner = createAttemptRunner(
    options,
    batcher,
    createOutcomeReporter(options, () => stopping),
  );
  let settleWaiters: (() => void)[] = [];

  const notifySettled = (): void => {
    const waiters = settleWaiters;
    settleWaiters = [];
    for (const resolve of waiters) resolve();
    if (backlog) options.onSlotFreed?.();
  };

  const start = (claim: TaskClaim, finishLocally?: FinishLocally): void => {
    let abandon: (reason: Error) => void = () => {};
    const abandoned = new Promise<AttemptResult>((resolve) => {
      abandon = (reason) => resolve({ kind: "abandoned", reason });
    });
    const controller = new AbortController();
    const row = attemptRow(claim, journal, owner, attemptLeaseMs);
    const attempt: RunningAttempt = {
      row,
      runId: claim.runId,
      identity: claim.identity,
      withdraw: (reason) => {
        if (!controller.signal.aborted) controller.abort(reason);
      },
      done: runner
        .run(row, controller, abandoned, (reason) => abandon(reason), finishLocally)
        .then((ended) => {
          attempt.ended = ended;
        })
        .finally(() => {
          running.delete(attempt);
          notifySettled();
        }),
      abandon: (reason) => abandon(reason),
    };
    running.add(attempt);
  };

  return {
    ...(attemptLeaseMs === undefined ? {} : { attemptLeaseMs }),
    get active() {
      return running.size;
    },
    get inActivityCode() {
      return runner.inActivityCode;
    },
    get free() {
      return Math.max(0, options.concurrency - running.size - reserved);
    },
    runs: (activityName) => options.activities.has(activityName),
    reserve(max) {
      // A stopping engine starts nothing new: its drain would not wait for it.
      const granted =
        stopping || draining ? 0 : Math.max(0, Math.min(max, options.concurrency - running.size - reserved));
      reserved += granted;
      return granted;
    },
    unreserve(count) {
      reserved = Math.max(0, reserved - count);
    },
    startReserved(claim, finishLocally) {
      reserved = Math.max(0, reserved - 1);
      start(claim, finishLocally);
    },
    async claimAndStart() {
      stopping = false; // a pool that claims again (engine restarted) reports outcomes again
      draining = false;
      const limit = Math.max(0, options.concurrency - running.size - reserved);
      if (activityNames.length === 0) return 0;
      if (limit === 0) {
        backlog = true;
        return 0;
      }
      const fromQueues = await queued.claim(limit);
      for (const claim of fromQueues.claims) start(claim);
      const rest = limit - fromQueues.claims.length;
      const claims =
        rest <= 0
          ? []
          : await journal.claimTasks({
              owner,
              limit: rest,
              activityNames,
              ...(attemptLeaseMs === undefined ? {} : { attemptLeaseMs }),
            });
      backlog = fromQueues.more || claims.length >= rest;
      for (const claim of claims) start(claim, options.finishClaimedLocally);
      return fromQueues.claims.length + claims.length;
    },
    whenAnySettles() {
      if (running.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => settleWaiters.push(resolve));
    },
    async drain(ms) {
      draining = true;
      if (running.size === 0) return true;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      });
      const all = Promise.all([...running].map((a) => a.done)).then(() => true as const);
      const drained = await Promise.race([all, timedOut]);
      clearTimeout(timer);
      return drained;
    },
    abortAll() {
      stopping = true;
      for (const attempt of running) attempt.abandon(new EngineStoppedError(owner));
    },
    async handBackAll() {
      stopping = true;
      const attempts = [...running];
      const reason = new EngineStoppedError(owner);
      for (const attempt of attempts) attempt.abandon(reason);
      await Promise.all(attempts.map((attempt) => attempt.done.catch(() => undefined)));
      // Only attempts that were given up: one whose outcome was written meanwhile is done.
      const given = attempts.filter((attempt) => attempt.ended === "abandoned");
      const handedBack = await Promise.all(
        given.map(async ({ row }) => {
          const claim = row.claim;
          try {
            // An in-process attempt gets its row first, so that it can be handed back as any;
            // one on its last try keeps just the row, left to its deadline like any other.
            if (!(await row.persist())) return false;
            if (claim.attempt >= claim.options.retry.maxAttempts) return false;
            await journal.finishTask(attemptRef(row.claim), {
              kind: "retry",
              error: serializeError(reason),
              delayMs: 0,
            });
            return true;
          } catch (error) {
            // Not ours any more (its deadline passed, another engine took it): nothing to hand back.
            if (error instanceof StaleAttemptError) return false;
            emitEvent(events, "engine.error", { where: "release", error, runId: claim.runId });
            return false;
          }
        }),
      );
      return handedBack.filter(Boolean).length;
    },
    inProcessOf(runId) {
      return [...running].filter((a) => a.runId === runId && a.row.inProcess).map((a) => a.identity);
    },
    async settleRun(runId) {
      await Promise.all([...running].filter((a) => a.runId === runId).map((a) => a.row.settled()));
    },
    abandonStale(runId, identities) {
      const stale = new Set(identities);
      for (const attempt of running) {
        if (attempt.runId !== runId || !stale.has(attempt.identity) || !attempt.row.inProcess) continue;
        attempt.row.markStale();
        emitEvent(events, "activity.stale", {
          runId,
          taskId: attempt.row.claim.taskId,
          identity: attempt.identity,
          activityName: attempt.row.claim.activityName,
          attempt: attempt.row.claim.attempt,
        });
        attempt.abandon(new StaleAttemptError(attempt.row.claim.taskId, attempt.row.claim.attempt));
      }
    },
    async persistRun(runId) {
      const ofRun = [...running].filter((a) => a.runId === runId && a.row.inProcess);
      const answered = await Promise.all(
        ofRun.map((a) =>
          a.row.persist().then(
            () => true,
            (error: unknown) => {
              emitEvent(events, "engine.error", { where: "release", error, runId });
              return false;
            },
          ),
        ),
      );
      return answered.every(Boolean);
    },
    abortAttempts(runId, identities, reason) {
      const withdrawn = new Set(identities);
      for (const attempt of running)
        if (attempt.runId === runId && withdrawn.has(attempt.identity)) attempt.withdraw(reason);
    },
  };
}
