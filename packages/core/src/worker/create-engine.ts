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
import { emitEvent, type EngineEventEmitter, type EngineErrorEvent } from "./engine-events.ts";
import { createEngineRuntime, type EngineRuntime } from "./engine-runtime.ts";
import { createWaker, type Waker } from "./waker.ts";
import { createJournalHealth } from "./journal-health.ts";
import { attachOperatorLog } from "../logging/operator-log.ts";
import { resolveEngineLog, type LogOptions } from "../logging/resolve-engine-log.ts";
import { runReader, type Instrumentation } from "./instrumentation.ts";
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
   * Schedules declared in code (`defineSchedule`): created in the engine's namespace when it
   * starts, or updated when their definition changed (an unchanged one is left as it is, its
   * paused state included). Every engine fires due schedules of its namespace, whichever
   * declared them; the journal makes each fire time start exactly one run.
   */
  readonly schedules?: readonly ScheduleDefinition[];
}

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
  /** Stops claiming, finishes or abandons in-flight work, and gives every lease back. */
  stop(options?: StopOptions): Promise<void>;
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
  const runtime = createEngineRuntime({
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
      notifier.subscribe(NotifyTopic.runReady, () => runWaker.wake()),
      notifier.subscribe(NotifyTopic.taskReady, () => taskWaker.wake()),
      notifier.subscribe(NotifyTopic.timerSet, () => timerWaker.wake()),
      notifier.subscribe(NotifyTopic.runInbox, (payload) => {
        const hint = parseInboxHint(payload);
        // A hint this engine does not take itself announces a ready run, as run_ready would.
        if (hint === undefined || !running || !runtime.stepper.deliverHint(hint)) runWaker.wake();
      }),
    ];
    loops = [
      loop("workflow_loop", runWaker, () => workflowRound(runtime, settings.pollIntervalMs)),
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

  const stop = async (stopOptions: StopOptions = {}): Promise<void> => {
    const graceful = stopOptions.graceful ?? true;
    const timeoutMs =
      checkOptionalNumber(stopOptions.timeoutMs, "stop timeoutMs", { min: 0, max: Limits.maxTimerMs }) ??
      settings.shutdownTimeoutMs;
    const wasRunning = running;
    const stopStartedAt = performance.now();
    if (wasRunning)
      emitEvent(events, "drain.started", {
        owner: settings.owner,
        graceful,
        steps: settings.workflowConcurrency - runtime.freeStepSlots,
        activities: runtime.pool.active,
      });
    running = false;
    for (const off of unsubscribe) off();
    unsubscribe = [];
    for (const waker of [runWaker, taskWaker, timerWaker, leaseWaker, sweepWaker, unservedWaker])
      waker.wake();
    const deadline = Date.now() + timeoutMs;
    const left = (): number => Math.max(0, deadline - Date.now());
    // Loops finish their current round first, so nothing new is claimed past this point.
    if (wasRunning) await withTimeout(Promise.all(loops), left());
    loops = [];
    if (graceful) {
      await withTimeout(runtime.settleSteps(), left());
      await runtime.pool.drain(left());
    }
    const abandonedActivities = runtime.pool.active;
    runtime.pool.abortAll();
    await runtime.cache.clear();
    if (wasRunning)
      emitEvent(events, "drain.completed", {
        owner: settings.owner,
        durationMs: performance.now() - stopStartedAt,
        abandonedActivities,
      });
  };

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
  };
}
