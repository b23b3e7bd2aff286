import type {
  Journal,
  RunQueueConfig,
  RunQueueThrottle,
  TaskClaim,
  TaskOutcome,
} from "../journal/journal.ts";
import type { EffectIdentity } from "../model/index.ts";
import { decode } from "../codec/index.ts";
import { serializeError } from "../codec/error-codec.ts";
import {
  ActivityNotRegisteredError,
  ActivityTimeoutError,
  EngineStoppedError,
} from "../errors/engine-errors.ts";
import { StaleAttemptError } from "../errors/journal-errors.ts";
import { CancelledError } from "../errors/workflow-errors.ts";
import { runWithActivityContext, type ActivityContext } from "./activity-context.ts";
import { emitEvent, type EngineEventEmitter } from "./engine-events.ts";
import { isCompensation } from "./step-reports.ts";
import { createHeartbeatBatcher, heartbeatFlushMs } from "./heartbeat-batcher.ts";
import type { EngineTimers } from "./engine-timers.ts";
import { decideOutcome, type AttemptResult } from "./decide-outcome.ts";
import { encodeWithinLimit } from "../validation/payload-size.ts";
import type { TraceContext } from "../model/trace-context.ts";
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

/** Settings of an {@link ActivityPool}. */
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
  /** Called when an attempt settles and frees its slot while due tasks may be waiting for one (wakes the claim loop). */
  readonly onSlotFreed?: () => void;
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
}

interface RunningAttempt {
  readonly claim: TaskClaim;
  readonly done: Promise<void>;
  readonly runId: string;
  readonly identity: EffectIdentity;
  abandon(reason: Error): void;
  /** Aborts the attempt's signal (its call was withdrawn); it keeps running. */
  withdraw(reason: Error): void;
}

/** The fields every activity event of an attempt carries. */
interface AttemptBase {
  readonly runId: string;
  readonly taskId: string;
  readonly identity: EffectIdentity;
  readonly activityName: string;
  readonly attempt: number;
}

/** How many times an attempt's outcome is offered to the journal before the pool gives up on it. */
const finishTaskReports = 5;

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
  const queues = options.queues ?? [];
  const queueNames = queues.map((queue) => queue.name);
  let queuesDefined = false;
  /** The reason each throttled queue last gave (`activity.throttled` once per episode). */
  const throttled = new Map<string, RunQueueThrottle>();

  /** Claims from the activity queues first (their limits bound them); returns the claims. */
  const claimQueued = async (limit: number): Promise<{ claims: TaskClaim[]; more: boolean }> => {
    if (queueNames.length === 0) return { claims: [], more: false };
    if (!queuesDefined) {
      await journal.defineQueues(queues);
      queuesDefined = true;
    }
    const results = await journal.claimQueuedTasks({
      owner,
      queues: queueNames,
      limit,
      activityNames,
      ...(attemptLeaseMs === undefined ? {} : { attemptLeaseMs }),
    });
    const claims: TaskClaim[] = [];
    let more = false;
    for (const result of results) {
      claims.push(...result.claims);
      if (result.throttled === undefined) throttled.delete(result.queue);
      else if (throttled.get(result.queue) !== result.throttled) {
        throttled.set(result.queue, result.throttled);
        emitEvent(events, "activity.throttled", { queue: result.queue, reason: result.throttled });
      }
      // Held back by busy slots: a settling attempt (maybe of this queue) is worth a claim at
      // once, so the pool reports a backlog. A rate limit frees nothing on a settle.
      if (result.moreDue && result.throttled !== "rate_limit") more = true;
    }
    return { claims, more };
  };
  let settleWaiters: (() => void)[] = [];
  /** Attempts whose activity function has not settled yet (the rest are reporting their outcome). */
  let inUserCode = 0;

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
    const attempt: RunningAttempt = {
      claim,
      runId: claim.runId,
      identity: claim.identity,
      withdraw: (reason) => {
        if (!controller.signal.aborted) controller.abort(reason);
      },
      done: runAttempt(claim, controller, abandoned, (reason) => abandon(reason), finishLocally).finally(
        () => {
          running.delete(attempt);
          notifySettled();
        },
      ),
      abandon: (reason) => abandon(reason),
    };
    running.add(attempt);
  };

  const runAttempt = async (
    claim: TaskClaim,
    controller: AbortController,
    abandoned: Promise<AttemptResult>,
    abandon: (reason: Error) => void,
    finishLocally?: FinishLocally,
  ): Promise<void> => {
    const base = {
      runId: claim.runId,
      taskId: claim.taskId,
      identity: claim.identity,
      activityName: claim.activityName,
      attempt: claim.attempt,
    };
    const ref = { taskId: claim.taskId, attempt: claim.attempt, attemptToken: claim.attemptToken };
    const startedAt = performance.now();
    emitEvent(events, "activity.started", base);
    const compensation = isCompensation(claim.identity);
    if (compensation) emitEvent(events, "compensation.started", base);

    const timeOut = (kind: "start_to_close" | "heartbeat", timeoutMs: number): void => {
      emitEvent(events, "activity.timed_out", { ...base, timeoutMs, kind });
      abandon(new ActivityTimeoutError(claim.activityName, claim.attempt, timeoutMs, kind));
    };
    const { startToCloseMs, heartbeatTimeoutMs } = claim.options;
    const cancelHardTimeout = timers.after(startToCloseMs, () => timeOut("start_to_close", startToCloseMs));
    let cancelHeartbeatTimeout =
      heartbeatTimeoutMs === undefined
        ? () => {}
        : timers.after(heartbeatTimeoutMs, () => timeOut("heartbeat", heartbeatTimeoutMs));

    const heartbeats = batcher.track(ref, heartbeatFlushMs(heartbeatTimeoutMs), {
      onRefused: (error) => {
        emitEvent(events, "activity.stale", base);
        abandon(error);
      },
      // Told by the journal, whichever engine stepped the run: the call was withdrawn.
      onWithdrawn: () => {
        if (!controller.signal.aborted)
          controller.abort(new CancelledError("the workflow no longer waits for this call"));
      },
    });
    let lastDetails: { value: unknown } | undefined;
    let traceContext: TraceContext | undefined;
    const context: ActivityContext = {
      runId: claim.runId,
      taskId: claim.taskId,
      identity: claim.identity,
      activityName: claim.activityName,
      attempt: claim.attempt,
      signal: controller.signal,
      get traceContext() {
        return traceContext;
      },
      // Decoded when first read: a payload that no longer decodes fails the code that reads it.
      get lastHeartbeatDetails() {
        if (claim.lastHeartbeatDetails === undefined) return undefined;
        lastDetails ??= { value: decode(claim.lastHeartbeatDetails, "heartbeat details") };
        return lastDetails.value;
      },
      heartbeat: async (details?: unknown) => {
        if (controller.signal.aborted) return;
        // Encoded now: unserializable details throw here, in the activity that passed them.
        const encoded = details === undefined ? undefined : encodeWithinLimit(details, "heartbeat details");
        if (heartbeatTimeoutMs !== undefined) {
          cancelHeartbeatTimeout();
          cancelHeartbeatTimeout = timers.after(heartbeatTimeoutMs, () =>
            timeOut("heartbeat", heartbeatTimeoutMs),
          );
        }
        // Activities may heartbeat in tight loops: the engine's next flush carries the latest
        // heartbeat of each attempt, all attempts in one journal call.
        heartbeats.beat(encoded);
      },
    };

    const work = (async (): Promise<AttemptResult> => {
      const implementation = options.activities.get(claim.activityName);
      if (implementation === undefined) throw new ActivityNotRegisteredError(claim.activityName);
      const args = decode(claim.args, "args");
      const list = Array.isArray(args) ? args : [args];
      const call = async (): Promise<unknown> =>
        runWithActivityContext(context, () => implementation(...list));
      const instrument = options.instrument;
      if (instrument === undefined) return { kind: "returned", value: await call() };
      traceContext = await instrument.traceContexts.resolve(claim.runId);
      return { kind: "returned", value: await instrument.around(context, call) };
    })().catch((error: unknown): AttemptResult => ({ kind: "threw", error }));

    inUserCode += 1;
    const result = await Promise.race([work, abandoned]).finally(() => {
      inUserCode -= 1;
    });
    cancelHardTimeout();
    cancelHeartbeatTimeout();
    if (result.kind === "abandoned") {
      heartbeats.close();
      if (!controller.signal.aborted) controller.abort(result.reason);
      return;
    }
    // Renewed until its outcome is written: a slow report must not outlive the attempt's lease.
    heartbeats.finishing();
    try {
      await reportOutcome(claim, result, controller, base, startedAt, finishLocally);
    } finally {
      heartbeats.close();
    }
  };

  const reportOutcome = async (
    claim: TaskClaim,
    result: Exclude<AttemptResult, { kind: "abandoned" }>,
    controller: AbortController,
    base: AttemptBase,
    startedAt: number,
    finishLocally?: FinishLocally,
  ): Promise<void> => {
    const ref = { taskId: claim.taskId, attempt: claim.attempt, attemptToken: claim.attemptToken };
    const durationMs = performance.now() - startedAt;
    const compensation = isCompensation(claim.identity);
    // Withdrawn (its run was cancelled) and then threw: a retry would run a call nobody awaits.
    const outcome = decideOutcome(claim, result, controller.signal.aborted);
    // Sticky fast path: the run's next step commits the result and closes the task at once.
    // Retries keep the normal path (the task waits in the journal for its next attempt).
    const report = (): void => {
      switch (outcome.kind) {
        case "completed":
          emitEvent(events, "activity.completed", { ...base, durationMs });
          if (compensation) emitEvent(events, "compensation.completed", { ...base, durationMs });
          break;
        case "retry":
          emitEvent(events, "activity.retried", { ...base, error: outcome.error, delayMs: outcome.delayMs });
          options.onRetryScheduled?.(outcome.delayMs);
          break;
        case "failed":
          emitEvent(events, "activity.failed", { ...base, error: outcome.error, durationMs });
          if (compensation)
            emitEvent(events, "compensation.failed", { ...base, error: outcome.error, durationMs });
          break;
      }
    };
    if (finishLocally !== undefined && outcome.kind !== "retry" && !stopping) {
      const reported = await finishLocally(claim, outcome, report).catch((error: unknown) => {
        emitEvent(events, "engine.error", { where: "activity_loop", error, runId: claim.runId });
        return false;
      });
      if (reported) return;
    }
    // A journal blip must not throw away finished work (the task would run again after its
    // deadline): retry the report a few times, backing off, while the attempt is still current.
    for (let report = 1; ; report++) {
      try {
        await journal.finishTask(ref, outcome);
        break;
      } catch (error) {
        if (error instanceof StaleAttemptError) {
          emitEvent(events, "activity.stale", base);
          return;
        }
        emitEvent(events, "engine.error", { where: "activity_loop", error, runId: claim.runId });
        if (report >= finishTaskReports || stopping) return;
        await new Promise<void>((resolve) => timers.after(100 * 2 ** (report - 1), resolve));
      }
    }
    report();
  };

  return {
    ...(attemptLeaseMs === undefined ? {} : { attemptLeaseMs }),
    get active() {
      return running.size;
    },
    get inActivityCode() {
      return inUserCode;
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
      const queued = await claimQueued(limit);
      for (const claim of queued.claims) start(claim);
      const rest = limit - queued.claims.length;
      const claims =
        rest <= 0
          ? []
          : await journal.claimTasks({
              owner,
              limit: rest,
              activityNames,
              ...(attemptLeaseMs === undefined ? {} : { attemptLeaseMs }),
            });
      backlog = queued.more || claims.length >= rest;
      for (const claim of claims) start(claim);
      return queued.claims.length + claims.length;
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
      const handedBack = await Promise.all(
        attempts
          .filter(({ claim }) => claim.attempt < claim.options.retry.maxAttempts)
          .map(async ({ claim }) => {
            const ref = { taskId: claim.taskId, attempt: claim.attempt, attemptToken: claim.attemptToken };
            try {
              await journal.finishTask(ref, { kind: "retry", error: serializeError(reason), delayMs: 0 });
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
    abortAttempts(runId, identities, reason) {
      const withdrawn = new Set(identities);
      for (const attempt of running)
        if (attempt.runId === runId && withdrawn.has(attempt.identity)) attempt.withdraw(reason);
    },
  };
}
