import type { LocalOutcomeSource } from "./local-outcomes.ts";
import type { RunClaim, StartRunRequest, StartRunResult } from "../journal/journal.ts";
import { NotifyTopic, parseInboxHint } from "../journal/notifier.ts";
import { Limits, checkOptionalNumber } from "../validation/index.ts";
import type { AnyWorkflowDefinition } from "./definition-info.ts";
import { createRetentionSweep } from "./retention-sweep.ts";
import { handleProcessSignals, type StopSummary } from "./engine-shutdown.ts";
import { emitEvent, type EngineEventEmitter } from "./engine-events.ts";
import { createEngineRuntime } from "./engine-runtime.ts";
import { createWaker } from "./waker.ts";
import { createJournalHealth } from "./journal-health.ts";
import { attachOperatorLog } from "../logging/operator-log.ts";
import { resolveEngineLog } from "../logging/resolve-engine-log.ts";
import { runReader } from "./instrumentation.ts";
import type { EngineOptions } from "./engine-options.ts";
import { checkQueues, resolveEngineOptions } from "./engine-settings.ts";
import { createLoopRunner } from "./engine-loop.ts";
import { activityRound, workflowRound } from "./poll-rounds.ts";
import { queueRound, refillQueuesOnRunEnd, type QueueGate } from "./queue-round.ts";
import { timerRound } from "./timer-round.ts";
import {
  leaseRound,
  partitionRound,
  retentionRound,
  unservedCheckRound,
  versionSweepRound,
} from "./sweep-rounds.ts";
import { drainEngine } from "./engine-drain.ts";

export type { EngineOptions } from "./engine-options.ts";
export { resolveEngineOptions } from "./engine-settings.ts";

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
  /**
   * A fresh eager start (no workflow id, queue, delay or transaction) with {@link eagerLease}'s
   * lease, inserted together with its first step: the engine computes the step first and the
   * insert commits both (`Journal.startRun` with `firstStep`), one round trip and one commit
   * fewer per run. `startRun` is the journal's. Resolves once the run is in the journal; where
   * the step cannot be taken along, starts the run as {@link runEagerly} would step it.
   */
  startWithFirstStep?(
    request: StartRunRequest & { readonly lease: { readonly owner: string; readonly leaseMs: number } },
    startRun: (request: StartRunRequest) => Promise<StartRunResult>,
  ): Promise<StartRunResult>;
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
  /** The registered workflows (a client bound to the engine checks attribute queries against their declarations). */
  readonly workflows?: readonly AnyWorkflowDefinition[];
  /**
   * Answers `query` from the run's cached execution when this engine holds it and is not
   * stepping it right now (the state after its last committed step); `undefined` otherwise.
   * Throws what the handler throws, and `QueryNotRegisteredError`.
   */
  queryCached(runId: string, queryName: string, args: readonly unknown[]): { value: unknown } | undefined;
  /**
   * The runs this engine holds and the outcomes of those it ends, for `run.result()` on a client
   * bound to it: no read of a run it holds, none of one it just ended.
   */
  readonly localOutcomes?: LocalOutcomeSource;
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
  const queueGate: QueueGate = { full: false };
  const queues = checkQueues(options.queues);
  const retentionWaker = createWaker();
  const partitionWaker = createWaker();
  const runtime = createEngineRuntime({
    ...(queues.length === 0
      ? {}
      : { queues: queues.map((queue) => queue.name), queueConfigs: queues.map((queue) => queue.config) }),
    journal: options.journal,
    workflows: options.workflows,
    activities: options.activities ?? [],
    owner: settings.owner,
    namespace: settings.namespace,
    ...(settings.namespaces.length > 1 ? { namespaces: settings.namespaces } : {}),
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
    namespaces: settings.namespaces,
    workflows: options.workflows,
    defaultMs: settings.retention.defaultMs,
    defaultByNamespace: settings.retention.byNamespace,
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
  const loop = createLoopRunner({
    events,
    health,
    pollIntervalMs: settings.pollIntervalMs,
    isRunning: () => running,
  });

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
    if (queues.length > 0)
      unsubscribe.push(
        // Full queues: a start cannot let a run in; a run's end (refillQueuesOnRunEnd) or the poll can.
        notifier.subscribe(NotifyTopic.runQueued, () => {
          if (!queueGate.full) queueWaker.wake();
        }),
        refillQueuesOnRunEnd(events, () => queueWaker.wake()),
      );
    const { pollIntervalMs } = settings;
    loops = [
      loop("workflow_loop", runWaker, workflowRound(runtime, pollIntervalMs)),
      ...(queues.length === 0
        ? []
        : [
            loop(
              "queue_loop",
              queueWaker,
              queueRound(runtime, options.journal, queues, pollIntervalMs, () => runWaker.wake(), queueGate),
            ),
          ]),
      loop("activity_loop", taskWaker, activityRound(runtime, pollIntervalMs)),
      loop(
        "timer_loop",
        timerWaker,
        timerRound(runtime, options.journal, pollIntervalMs, () => {
          taskWaker.wake();
          runWaker.wake();
        }),
      ),
      loop("lease_keeper", leaseWaker, leaseRound(runtime)),
      loop(
        "version_sweep",
        sweepWaker,
        versionSweepRound(runtime, pollIntervalMs, settings.unknownVersionAfterMs),
      ),
      ...(retention.enabled
        ? [loop("retention_sweep", retentionWaker, retentionRound(retention, settings.retention.intervalMs))]
        : []),
      ...(settings.partitions === undefined
        ? []
        : [
            loop(
              "partition_keeper",
              partitionWaker,
              partitionRound(options.journal, settings.partitions, events),
            ),
          ]),
      ...(settings.unservedWorkflowAfterMs === 0
        ? []
        : [
            loop(
              "unserved_sweep",
              unservedWaker,
              unservedCheckRound(runtime, pollIntervalMs, settings.unservedWorkflowAfterMs),
            ),
          ]),
    ];
  };

  const stop = async (stopOptions: StopOptions = {}): Promise<StopSummary> => {
    const timeoutMs =
      checkOptionalNumber(stopOptions.timeoutMs, "stop timeoutMs", { min: 0, max: Limits.maxTimerMs }) ??
      settings.shutdownTimeoutMs;
    return drainEngine({
      runtime,
      events,
      owner: settings.owner,
      workflowConcurrency: settings.workflowConcurrency,
      graceful: stopOptions.graceful ?? true,
      timeoutMs,
      wasRunning: running,
      halt: () => {
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
          partitionWaker,
          queueWaker,
        ])
          waker.wake();
        const stopping = loops;
        loops = [];
        return stopping;
      },
    });
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
      if (!running || !settings.namespaces.includes(namespace) || runtime.freeStepSlots === 0)
        return undefined;
      if (runtime.registry.workflowVersion(workflowName, versionHash) === undefined) return undefined;
      return { owner: settings.owner, leaseMs: settings.leaseMs };
    },
    declaresSignals: options.workflows.some((definition) => definition.signals !== undefined),
    declaresQueries: options.workflows.some((definition) => definition.queries !== undefined),
    declaresUpdates: options.workflows.some((definition) => definition.updates !== undefined),
    workflowDefinition: (workflowName, versionHash) =>
      runtime.registry.workflowVersion(workflowName, versionHash),
    workflows: options.workflows,
    localOutcomes: {
      holds: (runId) => runtime.outcomes.holds(runId),
      stepping: (runId) => runtime.outcomes.stepping(runId),
      peek: (runId) => runtime.outcomes.peek(runId),
      subscribe: (listener) => runtime.outcomes.subscribe(listener),
    },
    queryCached(runId, queryName, args) {
      const entry = runtime.cache.peek(runId);
      return entry === undefined ? undefined : { value: entry.execution.query(queryName, args) };
    },
    async startWithFirstStep(request, startRun) {
      if (running && request.lease.owner === settings.owner)
        return runtime.startWithFirstStep(request, startRun);
      const started = await startRun(request);
      if (started.claim !== undefined) this.runEagerly(started.claim);
      return { run: started.run, created: started.created };
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
