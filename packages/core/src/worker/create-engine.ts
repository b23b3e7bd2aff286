import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { Journal, RunClaim } from "../journal/journal.ts";
import { NotifyTopic, parseInboxHint } from "../journal/notifier.ts";
import { InvalidEngineOptionError } from "../errors/engine-errors.ts";
import {
  IdentifierKind,
  Limits,
  checkIdentifier,
  checkJournalOption,
  checkOptionalNumber,
  describeValue,
} from "../validation/index.ts";
import type { AnyActivityDefinition, AnyWorkflowDefinition } from "./definition-info.ts";
import { createRetentionSweep } from "./retention-sweep.ts";
import { handleProcessSignals, type StopSummary } from "./engine-shutdown.ts";
import { emitEvent, type EngineEventEmitter, type EngineErrorEvent } from "./engine-events.ts";
import { createEngineRuntime, type EngineRuntime } from "./engine-runtime.ts";
import { createWaker, type Waker } from "./waker.ts";
import { createJournalHealth } from "./journal-health.ts";
import { attachOperatorLog } from "../logging/operator-log.ts";
import { resolveEngineLog, type LogOptions } from "../logging/resolve-engine-log.ts";
import { runReader, type Instrumentation } from "./instrumentation.ts";
import { isQueueDefinition, type QueueDefinition } from "../queue/define-queue.ts";
import type { ScheduleDefinition } from "../schedules/define-schedule.ts";

/** Options of {@link createEngine}; everything but `journal` and `workflows` has a default. */
export interface EngineOptions extends LogOptions {
  readonly journal: Journal;
  /** Workflows this engine runs; it claims only runs of these names. */
  readonly workflows: readonly AnyWorkflowDefinition[];
  /** Activities this engine runs; it claims only tasks of these names. */
  readonly activities?: readonly AnyActivityDefinition[];
  /** Lease owner id; unique per engine. Default `host:pid:random`. */
  readonly owner?: string;
  /** Namespace the engine serves: it claims only runs started in it. Default `"default"`. */
  readonly namespace?: string;
  /** Parallel workflow steps and activity attempts. Defaults 16 and 32. */
  readonly concurrency?: { readonly workflows?: number; readonly activities?: number };
  /** Run lease duration; cached runs are renewed every third of it. Default 30 s. */
  readonly leaseMs?: number;
  /** Longest pause between two polls of each loop (hints wake them sooner). Default 1 s. */
  readonly pollIntervalMs?: number;
  /** Sticky executions kept in memory (LRU). 0 replays every step. Default 1000. */
  readonly cacheSize?: number;
  /** Upper bound on a graceful stop's wait for in-flight work. Default 10 s. */
  readonly shutdownTimeoutMs?: number;
  /**
   * How long a drifted run (its history no longer matches this code) is left alone before it is
   * replayed again. The deferral is kept in the journal, so every engine waits it out and the run
   * gives up its place in the ready order; deploying matching code takes effect after it. Default 60 s.
   */
  readonly driftBackoffMs?: number;
  /**
   * Deferral of a run whose step failed with an engine error (a database hiccup, a bug):
   * `initialMs` after the first failure, doubling per consecutive failure up to `maxMs`, so a
   * broken run cannot keep the engine in a claim/fail loop. Defaults 1 s and 60 s.
   */
  readonly stepErrorBackoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /**
   * Content-addressed dispatch: this engine replays a run only with the workflow version (hash)
   * the run started with, and new runs start on the highest `version` registered. A ready run of
   * one of this engine's workflows, in a version it lacks, that no engine with that version took
   * for this long, is marked `stuck_unknown_version` (never failed, never replayed on other
   * code); any engine that has the version takes it back. Keep it above a few poll intervals so
   * that, in a rolling deploy, the engines that have the version get to it first. Default 30 s.
   */
  readonly unknownVersionAfterMs?: number;
  /**
   * Sticky fast path. When a run this engine keeps cached schedules an activity this engine
   * has code and a free slot for, the task is created claimed by this engine in the step's own
   * transaction and runs here at once; its result goes straight to the cached execution, and
   * the run's next step commits it (one transaction per activity step, no task poll, no inbox
   * hop). Whenever that is not possible the normal path takes over, so no result is lost.
   * `false` sends every task through the journal's task queue. Default true.
   */
  readonly stickyActivities?: boolean;
  /**
   * Ready runs of a workflow this engine does not register that nobody took for this long are
   * reported (`workflow.unserved`, a warning line): no engine in the namespace runs that
   * workflow. Checked every half of it; 0 disables the check. Default 60 s.
   */
  readonly unservedWorkflowAfterMs?: number;
  /**
   * Tracing and metrics hooks (e.g. `continuumOtel()` from `@continuum/otel`): the engine calls
   * its `attach` with its events, wraps activity attempts with its `activity` hook, and asks it
   * for children's trace contexts. Absent: none of that costs anything.
   */
  readonly instrumentation?: Instrumentation;
  /**
   * Named run queues (`defineQueue`) this engine dequeues from: their limits are stored in the
   * journal when the engine starts, and the engine moves runs from their backlogs to ready
   * within those limits (any engine of the namespace then claims them). A queue no engine lists
   * is never dequeued. See guides/queues.md.
   */
  readonly queues?: readonly QueueDefinition[];
  /**
   * Retention of closed runs for the workflows this engine registers (see
   * `WorkflowOptions.retention`): `defaultMs` applies to those that set none (absent: they are
   * kept forever). Every `intervalMs` (default 10 min) the engine deletes, per workflow, closed
   * run trees older than their retention, `batchSize` runs per transaction (default 500), at most
   * `maxBatches` per workflow and round (default 20), and emits `retention.deleted`. Engines never
   * sweep workflows they do not register, so a workflow's retention is decided by the code that
   * runs it. Several engines sweeping at once is safe (each batch locks and re-checks its runs).
   */
  readonly retention?: {
    readonly defaultMs?: number;
    readonly intervalMs?: number;
    readonly batchSize?: number;
    readonly maxBatches?: number;
  };
  /**
   * Handle SIGTERM and SIGINT: the first one stops the engine gracefully (see {@link Engine.stop},
   * within `shutdownTimeoutMs`), logs what the drain did, closes the journal and exits the process
   * (code 0, or 1 when the stop failed); a second signal exits at once. For a worker process
   * whose only job is this engine. Default false: call `engine.stop()` from your own handler.
   */
  readonly handleSignals?: boolean;
  /**
   * Schedules declared in code (`defineSchedule`): created in the engine's namespace when it
   * starts, or updated when their definition changed (an unchanged one is left as it is, its
   * paused state included). Every engine fires due schedules of its namespace, whichever
   * declared them; the journal makes each fire time start exactly one run.
   */
  readonly schedules?: readonly ScheduleDefinition[];
}

export type { StopSummary } from "./engine-shutdown.ts";

/** How {@link Engine.stop} ends in-flight work. */
export interface StopOptions {
  /** Wait for in-flight steps and activities (up to `timeoutMs`) before giving leases back. Default true. */
  readonly graceful?: boolean;
  readonly timeoutMs?: number;
}

/**
 * What a client needs from an engine in its own process to start runs eagerly (see
 * `ClientOptions.engine`): the engine takes the run in the start's own statement, leased to
 * itself, and steps it at once, with no hint to wait for, no claim and no history read.
 */
export interface EagerStarts {
  /**
   * The lease to create a run with, when this engine is running, serves `namespace` and has
   * this exact workflow version with a free step slot; otherwise undefined (the run is started
   * for any engine to claim, as usual). Starts racing for the last free slot may each get one,
   * so step concurrency can briefly exceed `concurrency.workflows` by a few.
   */
  eagerLease(
    namespace: string,
    workflowName: string,
    versionHash: string,
  ): { readonly owner: string; readonly leaseMs: number } | undefined;
  /** Steps a run created with {@link eagerLease}'s lease (its claim comes from `Journal.startRun`). */
  runEagerly(claim: RunClaim): void;
}

/**
 * What an engine tells a client of the same process about the runs it holds, for typed
 * messages: the workflow code it has (to check signals, to replay for a query), and queries
 * answered from the executions it keeps in memory (sticky), without reading the journal.
 */
export interface LocalRuns {
  /** True when a registered workflow declares its signals (only then a signal send reads the run). */
  readonly declaresSignals: boolean;
  /** True when a registered workflow declares its queries (only then a query reads the run to check the name). */
  readonly declaresQueries?: boolean;
  /** True when a registered workflow declares its updates. */
  readonly declaresUpdates?: boolean;
  /** The registered definition of this workflow version, if any. */
  workflowDefinition(workflowName: string, versionHash: string): AnyWorkflowDefinition | undefined;
  /**
   * Answers `query` from the run's cached execution when this engine holds it and is not
   * stepping it right now (the state after its last committed step); `undefined` otherwise.
   * Throws what the handler throws, and `QueryNotRegisteredError`.
   */
  queryCached(runId: string, queryName: string, args: readonly unknown[]): { value: unknown } | undefined;
}

/**
 * A worker: runs workflow steps, activity attempts and the timer wheel against a journal.
 * Start as many as you like, in one process or many; the journal's leases decide who runs what.
 */
export interface Engine extends EagerStarts, LocalRuns {
  readonly owner: string;
  readonly namespace: string;
  /** Typed telemetry; see {@link EngineEvents}. */
  readonly events: EngineEventEmitter;
  readonly running: boolean;
  /** Starts the loops. Idempotent. */
  start(): void;
  /**
   * Stops claiming, lets in-flight steps and activity attempts finish (graceful, up to
   * `timeoutMs`), hands the attempts still running after that back to the journal (due now),
   * and gives every run lease back, so that other engines continue at once. Resolves with a
   * summary of what it did.
   */
  stop(options?: StopOptions): Promise<StopSummary>;
}

/**
 * Creates an engine. Registration is checked here: an untransformed workflow or a duplicate
 * name throws before anything runs.
 *
 * @example
 * ```ts
 * const journal = await openJournal();
 * const engine = createEngine({ journal, workflows: [orderFlow], activities: [validate, charge, ship, refund] });
 * engine.events.on("run.completed", (e) => console.log("done", e.runId));
 * engine.start();
 * process.on("SIGTERM", () => void engine.stop({ graceful: true }));
 * ```
 */
export function createEngine(options: EngineOptions): Engine {
  const settings = resolveEngineOptions(options);
  const log = resolveEngineLog(options);
  const runWaker = createWaker();
  const taskWaker = createWaker();
  const timerWaker = createWaker();
  const leaseWaker = createWaker();
  const sweepWaker = createWaker();
  const unservedWaker = createWaker();
  const queueWaker = createWaker();
  const queues = checkQueues(options.queues);
  const retentionWaker = createWaker();
  const runtime = createEngineRuntime({
    ...(queues.length === 0 ? {} : { queues: queues.map((queue) => queue.name) }),
    journal: options.journal,
    workflows: options.workflows,
    activities: options.activities ?? [],
    owner: settings.owner,
    namespace: settings.namespace,
    workflowConcurrency: settings.workflowConcurrency,
    activityConcurrency: settings.activityConcurrency,
    leaseMs: settings.leaseMs,
    // The engine's liveness covers its activity attempts too (issue 11): renewed in its heartbeat flushes.
    attemptLeaseMs: settings.leaseMs,
    cacheSize: settings.cacheSize,
    driftBackoffMs: settings.driftBackoffMs,
    stepErrorBackoff: settings.stepErrorBackoff,
    unknownVersionAfterMs: settings.unknownVersionAfterMs,
    ...(settings.unservedWorkflowAfterMs === 0
      ? {}
      : { unservedWorkflowAfterMs: settings.unservedWorkflowAfterMs }),
    ...(options.stickyActivities === undefined ? {} : { stickyActivities: options.stickyActivities }),
    ...(options.instrumentation === undefined ? {} : { instrumentation: options.instrumentation }),
    ...(options.schedules === undefined ? {} : { schedules: options.schedules }),
    onActivitySlotFreed: () => taskWaker.wake(),
    // The timer loop re-reads nextDueAt and sleeps until the retry is due, then wakes the tasks.
    onRetryScheduled: () => timerWaker.wake(),
    onWorkflowSlotFreed: () => runWaker.wake(),
  });
  const { events } = runtime;
  const retention = createRetentionSweep({
    journal: options.journal,
    namespace: settings.namespace,
    workflows: options.workflows,
    defaultMs: settings.retention.defaultMs,
    batchSize: settings.retention.batchSize,
    maxBatches: settings.retention.maxBatches,
    events,
  });
  attachOperatorLog(events, log);
  const health = createJournalHealth(events);
  options.instrumentation?.attach?.({
    owner: settings.owner,
    namespace: settings.namespace,
    events,
    readRun: runReader(options.journal),
    queueStats: () => options.journal.queueStats(),
  });
  let running = false;
  let loops: Promise<void>[] = [];
  let unsubscribe: (() => void)[] = [];

  const loop = async (
    where: EngineErrorEvent["where"],
    waker: Waker,
    body: () => Promise<number>,
  ): Promise<void> => {
    while (running) {
      let waitMs: number;
      try {
        waitMs = await body();
        health.succeeded(where);
      } catch (error) {
        emitEvent(events, "engine.error", { where, error });
        health.failed(where, error);
        waitMs = settings.pollIntervalMs;
      }
      if (!running) break;
      if (waitMs > 0) await waker.sleep(waitMs);
      else await new Promise<void>((resolve) => setImmediate(resolve)); // see Waker: never starve the event loop
    }
  };

  const start = (): void => {
    if (running) return;
    running = true;
    runtime.cache.reopen();
    emitEvent(events, "engine.started", {
      owner: settings.owner,
      namespace: settings.namespace,
      workflows: runtime.registry.workflowNames(),
      activities: (options.activities ?? []).map((definition) => definition.name),
    });
    for (const ref of runtime.registry.workflowVersions()) emitEvent(events, "registry.registered", ref);
    const notifier = options.journal.notifier;
    unsubscribe = [
      notifier.subscribe(NotifyTopic.runReady, () => (runWaker.wake(), queueWaker.wake())),
      notifier.subscribe(NotifyTopic.taskReady, () => taskWaker.wake()),
      notifier.subscribe(NotifyTopic.timerSet, () => timerWaker.wake()),
      notifier.subscribe(NotifyTopic.runInbox, (payload) => {
        const hint = parseInboxHint(payload);
        // A hint this engine does not take itself announces a ready run, as run_ready would.
        if (hint === undefined || !running || !runtime.stepper.deliverHint(hint)) runWaker.wake();
      }),
    ];
    if (queues.length > 0) {
      // A run that ends frees its queue slot: dequeue again at once rather than at the next poll.
      const refill = (): void => queueWaker.wake();
      for (const name of ["run.completed", "run.failed", "run.cancelled", "run.continued"] as const)
        events.on(name, refill);
      unsubscribe.push(() => {
        for (const name of ["run.completed", "run.failed", "run.cancelled", "run.continued"] as const)
          events.off(name, refill);
      });
    }
    loops = [
      loop("workflow_loop", runWaker, () => workflowRound(runtime, settings.pollIntervalMs)),
      ...(queues.length === 0
        ? []
        : [
            loop(
              "queue_loop",
              queueWaker,
              queueRound(runtime, options.journal, queues, settings.pollIntervalMs, () => runWaker.wake()),
            ),
          ]),
      loop("activity_loop", taskWaker, () => activityRound(runtime, settings.pollIntervalMs)),
      loop(
        "timer_loop",
        timerWaker,
        timerRound(runtime, options.journal, settings.pollIntervalMs, () => {
          taskWaker.wake();
          runWaker.wake();
        }),
      ),
      loop("lease_keeper", leaseWaker, async () => {
        await runtime.leaseKeeper.renew();
        return runtime.leaseKeeper.intervalMs;
      }),
      loop("version_sweep", sweepWaker, async () => {
        await runtime.sweepUnknownVersions();
        return Math.max(settings.pollIntervalMs, Math.floor(settings.unknownVersionAfterMs / 2));
      }),
      ...(retention.enabled
        ? [
            loop("retention_sweep", retentionWaker, async () => {
              await retention.sweep();
              return settings.retention.intervalMs;
            }),
          ]
        : []),
      ...(settings.unservedWorkflowAfterMs === 0
        ? []
        : [
            loop("unserved_sweep", unservedWaker, async () => {
              await runtime.sweepUnservedWorkflows();
              return Math.max(settings.pollIntervalMs, Math.floor(settings.unservedWorkflowAfterMs / 2));
            }),
          ]),
    ];
  };

  const stop = async (stopOptions: StopOptions = {}): Promise<StopSummary> => {
    const graceful = stopOptions.graceful ?? true;
    const timeoutMs =
      checkOptionalNumber(stopOptions.timeoutMs, "stop timeoutMs", { min: 0, max: Limits.maxTimerMs }) ??
      settings.shutdownTimeoutMs;
    const wasRunning = running;
    const stopStartedAt = performance.now();
    const stepsInFlight = settings.workflowConcurrency - runtime.freeStepSlots;
    const activitiesInFlight = runtime.pool.active;
    if (wasRunning)
      emitEvent(events, "drain.started", {
        owner: settings.owner,
        graceful,
        steps: stepsInFlight,
        activities: activitiesInFlight,
      });
    running = false;
    for (const off of unsubscribe) off();
    unsubscribe = [];
    for (const waker of [
      runWaker,
      taskWaker,
      timerWaker,
      leaseWaker,
      sweepWaker,
      unservedWaker,
      retentionWaker,
      queueWaker,
    ])
      waker.wake();
    const deadline = Date.now() + timeoutMs;
    const left = (): number => Math.max(0, deadline - Date.now());
    // Loops finish their current round first, so nothing new is claimed past this point.
    if (wasRunning) await withTimeout(Promise.all(loops), left());
    loops = [];
    let settled = true;
    if (graceful) {
      await withTimeout(runtime.settleSteps(), left());
      settled = await runtime.pool.drain(left());
    }
    const stepsUnfinished = settings.workflowConcurrency - runtime.freeStepSlots;
    const abandonedActivities = runtime.pool.active;
    // Attempts still running are handed back (due now), not left to their lease: another engine
    // retries them at once. Then the run leases go back the same way.
    const activitiesHandedBack = await runtime.pool.handBackAll();
    const runsReleased = runtime.cache.leases().length;
    await runtime.cache.clear();
    if (wasRunning)
      emitEvent(events, "drain.completed", {
        owner: settings.owner,
        durationMs: performance.now() - stopStartedAt,
        abandonedActivities,
        handedBackActivities: activitiesHandedBack,
        releasedRuns: runsReleased,
      });
    return {
      graceful,
      durationMs: performance.now() - stopStartedAt,
      timedOut: graceful && (!settled || stepsUnfinished > 0),
      stepsInFlight,
      stepsUnfinished,
      activitiesInFlight,
      activitiesHandedBack,
      activitiesAbandoned: abandonedActivities - activitiesHandedBack,
      runsReleased,
    };
  };

  if (options.handleSignals === true) handleProcessSignals(options.journal, stop, log);

  return {
    owner: settings.owner,
    namespace: settings.namespace,
    events,
    get running() {
      return running;
    },
    start,
    stop,
    eagerLease(namespace, workflowName, versionHash) {
      if (!running || namespace !== settings.namespace || runtime.freeStepSlots === 0) return undefined;
      if (runtime.registry.workflowVersion(workflowName, versionHash) === undefined) return undefined;
      return { owner: settings.owner, leaseMs: settings.leaseMs };
    },
    declaresSignals: options.workflows.some((definition) => definition.signals !== undefined),
    declaresQueries: options.workflows.some((definition) => definition.queries !== undefined),
    declaresUpdates: options.workflows.some((definition) => definition.updates !== undefined),
    workflowDefinition: (workflowName, versionHash) =>
      runtime.registry.workflowVersion(workflowName, versionHash),
    queryCached(runId, queryName, args) {
      const entry = runtime.cache.peek(runId);
      return entry === undefined ? undefined : { value: entry.execution.query(queryName, args) };
    },
    runEagerly(claim) {
      if (running && claim.lease.owner === settings.owner) {
        runtime.runEagerly(claim);
        return;
      }
      // Stopped meanwhile (or not our lease): give the run back at once, so that any engine claims
      // it now rather than when the eager lease runs out.
      options.journal
        .releaseRun(claim.lease)
        .catch((error: unknown) =>
          emitEvent(events, "engine.error", { where: "release", error, runId: claim.run.runId }),
        );
    },
  };
}

/** One poll of ready runs; returns how long to wait before the next. */
async function workflowRound(runtime: EngineRuntime, pollIntervalMs: number): Promise<number> {
  const free = runtime.freeStepSlots;
  // With no free slot pollRuns claims nothing but notes the backlog: a finishing step wakes the loop.
  const claimed = await runtime.pollRuns();
  if (free === 0) return pollIntervalMs;
  return claimed < free ? pollIntervalMs : 0;
}

/**
 * The queue loop: stores the queues' limits once (the first round), then dequeues; again at once
 * while a queue has due runs no limit holds back, else after a poll interval or a wake-up (a
 * queued start's hint, a local run's end).
 */
function queueRound(
  runtime: EngineRuntime,
  journal: Journal,
  queues: readonly QueueDefinition[],
  pollIntervalMs: number,
  wakeRuns: () => void,
): () => Promise<number> {
  let defined = false;
  return async () => {
    if (!defined) {
      await journal.defineQueues(queues.map((queue) => queue.config));
      defined = true;
    }
    const { dequeued, more } = await runtime.dequeue();
    // Claim what we dequeued without waiting for our own hint's round trip through the database.
    if (dequeued > 0) wakeRuns();
    return more ? 0 : pollIntervalMs;
  };
}

/** The `queues` option: defineQueue results with distinct names. */
function checkQueues(queues: readonly QueueDefinition[] | undefined): readonly QueueDefinition[] {
  if (queues === undefined) return [];
  if (!Array.isArray(queues))
    throw new InvalidEngineOptionError("queues", describeValue(queues), "an array of defineQueue results");
  const names = new Set<string>();
  for (const queue of queues as readonly unknown[]) {
    if (!isQueueDefinition(queue) || names.has(queue.name))
      throw new InvalidEngineOptionError(
        "queues",
        describeValue(queue),
        "defineQueue results, each queue name once",
      );
    names.add(queue.name);
  }
  return queues;
}

async function activityRound(runtime: EngineRuntime, pollIntervalMs: number): Promise<number> {
  const free = runtime.pool.free;
  if (free === 0) return pollIntervalMs; // a finishing attempt wakes the loop
  const started = await runtime.pollTasks();
  return started < free ? pollIntervalMs : 0;
}

/**
 * The timer wheel: fire what is due (timers, then schedules), then sleep until the journal's
 * next due time (capped by the poll interval). A due time that passes may also be a task's
 * retry or a delayed start, so the activity and workflow loops are woken then too.
 */
function timerRound(
  runtime: EngineRuntime,
  journal: Journal,
  pollIntervalMs: number,
  wakeWork: () => void,
): () => Promise<number> {
  const batch = 256;
  let lastHandledDue: number | undefined;
  // Schedules are looked at when something came due (nextDueAt covers their fire times and the
  // first round registers the code's schedules), and every 30th round otherwise (a buffer_one
  // fire waiting for a run to end has no due time): an idle engine spends no query on them.
  let schedulesDue = true;
  let roundsSinceSchedules = 0;
  return async () => {
    const fired = await runtime.fireTimers(batch);
    let started = 0;
    if (schedulesDue || ++roundsSinceSchedules >= 30) {
      roundsSinceSchedules = 0;
      started = await runtime.fireSchedules();
      if (started > 0) wakeWork();
    }
    if (fired === batch) return 0;
    const [due, now] = await Promise.all([journal.nextDueAt(), journal.now()]);
    schedulesDue = due !== undefined && due <= now;
    if (due === undefined) return pollIntervalMs;
    if (due > now) return Math.min(pollIntervalMs, due - now);
    // Due but not fired: a task waiting for a worker or a delayed start. Wake the loops once, then idle.
    if (lastHandledDue !== due) {
      lastHandledDue = due;
      wakeWork();
      return 0;
    }
    return pollIntervalMs;
  };
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}

interface ResolvedEngineSettings {
  readonly owner: string;
  readonly namespace: string;
  readonly workflowConcurrency: number;
  readonly activityConcurrency: number;
  readonly leaseMs: number;
  readonly pollIntervalMs: number;
  readonly cacheSize: number;
  readonly shutdownTimeoutMs: number;
  readonly driftBackoffMs: number;
  readonly stepErrorBackoff: { readonly initialMs: number; readonly maxMs: number };
  readonly unknownVersionAfterMs: number;
  readonly unservedWorkflowAfterMs: number;
  readonly retention: {
    readonly defaultMs: number | undefined;
    readonly intervalMs: number;
    readonly batchSize: number;
    readonly maxBatches: number;
  };
}

/** Applies defaults and rejects out-of-range settings with a clear error. */
export function resolveEngineOptions(options: EngineOptions): ResolvedEngineSettings {
  checkJournalOption((options as Partial<EngineOptions> | undefined)?.journal);
  if (!Array.isArray(options.workflows))
    throw new InvalidEngineOptionError(
      "workflows",
      describeValue(options.workflows),
      "a list of workflow definitions",
    );
  if (options.activities !== undefined && !Array.isArray(options.activities))
    throw new InvalidEngineOptionError(
      "activities",
      describeValue(options.activities),
      "a list of activity definitions",
    );
  // Durations feed setTimeout, which fires at once (and so spins) past 2^31 - 1 ms.
  const positiveInt = (name: string, value: number): number => {
    if (!Number.isInteger(value) || value <= 0 || value > Limits.maxTimerMs)
      throw new InvalidEngineOptionError(name, value, `an integer from 1 to ${Limits.maxTimerMs}`);
    return value;
  };
  const nonNegativeInt = (name: string, value: number): number => {
    if (!Number.isInteger(value) || value < 0 || value > Limits.maxTimerMs)
      throw new InvalidEngineOptionError(name, value, `an integer from 0 to ${Limits.maxTimerMs}`);
    return value;
  };
  const positiveSafe = (name: string, value: number): number => {
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new InvalidEngineOptionError(name, value, "a positive integer of milliseconds, e.g. days(90)");
    return value;
  };
  return {
    owner: checkIdentifier(
      IdentifierKind.namespace,
      options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      "engine owner",
    ),
    namespace: checkIdentifier(IdentifierKind.namespace, options.namespace ?? "default", "namespace"),
    workflowConcurrency: positiveInt("concurrency.workflows", options.concurrency?.workflows ?? 16),
    activityConcurrency: positiveInt("concurrency.activities", options.concurrency?.activities ?? 32),
    leaseMs: positiveInt("leaseMs", options.leaseMs ?? 30_000),
    pollIntervalMs: positiveInt("pollIntervalMs", options.pollIntervalMs ?? 1_000),
    cacheSize: nonNegativeInt("cacheSize", options.cacheSize ?? 1_000),
    shutdownTimeoutMs: nonNegativeInt("shutdownTimeoutMs", options.shutdownTimeoutMs ?? 10_000),
    driftBackoffMs: nonNegativeInt("driftBackoffMs", options.driftBackoffMs ?? 60_000),
    stepErrorBackoff: {
      initialMs: nonNegativeInt("stepErrorBackoff.initialMs", options.stepErrorBackoff?.initialMs ?? 1_000),
      maxMs: nonNegativeInt("stepErrorBackoff.maxMs", options.stepErrorBackoff?.maxMs ?? 60_000),
    },
    unknownVersionAfterMs: nonNegativeInt("unknownVersionAfterMs", options.unknownVersionAfterMs ?? 30_000),
    unservedWorkflowAfterMs: nonNegativeInt(
      "unservedWorkflowAfterMs",
      options.unservedWorkflowAfterMs ?? 60_000,
    ),
    retention: {
      defaultMs:
        options.retention?.defaultMs === undefined
          ? undefined
          : positiveSafe("retention.defaultMs", options.retention.defaultMs),
      intervalMs: positiveInt("retention.intervalMs", options.retention?.intervalMs ?? 600_000),
      batchSize: positiveInt("retention.batchSize", options.retention?.batchSize ?? 500),
      maxBatches: positiveInt("retention.maxBatches", options.retention?.maxBatches ?? 20),
    },
  };
}
