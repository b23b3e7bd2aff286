import { createLocalOutcomes, type LocalOutcomes } from "./local-outcomes.ts";
import type { RunClaim, StartRunRequest, StartRunResult, TaskClaim } from "../journal/journal.ts";
import { startWithFirstStep, type EagerStartRequest } from "./first-step-start.ts";
import { CancelledError } from "../errors/workflow-errors.ts";
import { createActivityPool, type ActivityPool } from "./activity-pool.ts";
import type { EngineEventEmitter } from "./engine-events.ts";
import { emitEvent } from "./engine-events.ts";
import { createEngineEventEmitter } from "./engine-event-emitter.ts";
import { realTimers } from "./engine-timers.ts";
import { createEngineSchedules } from "./engine-schedules.ts";
import { createLeaseKeeper, type LeaseKeeper } from "./lease-keeper.ts";
import { createRegistry, type Registry } from "./registry.ts";
import { createRunStepper, type LocalOutcome, type RunStepper } from "./run-stepper.ts";
import { createStickyCache, type StickyCache } from "./sticky-cache.ts";
import { attemptQueues } from "./attempt-queues.ts";
import { createRunTraceContexts } from "./run-trace-contexts.ts";
import type { EngineRuntimeOptions } from "./engine-runtime-options.ts";

export type { EngineRuntimeOptions } from "./engine-runtime-options.ts";

/**
 * The engine's parts without its loops: one call per unit of work, so that the engine's
 * background loops and the test kit's deterministic driver share every line that touches the
 * journal. Not part of the public API.
 */
export interface EngineRuntime {
  readonly owner: string;
  readonly events: EngineEventEmitter;
  readonly registry: Registry;
  readonly cache: StickyCache;
  readonly pool: ActivityPool;
  readonly stepper: RunStepper;
  /** Outcomes of the runs this engine ends, for clients in the same process (see local-outcomes.ts). */
  readonly outcomes: LocalOutcomes;
  readonly leaseKeeper: LeaseKeeper;
  /** Free workflow-step slots. */
  readonly freeStepSlots: number;
  /** Claims ready runs up to the free step slots and starts their steps; returns how many were claimed. */
  pollRuns(): Promise<number>;
  /** Steps a run this engine started already leased (eager start), as if it had claimed it. */
  runEagerly(claim: RunClaim): void;
  /**
   * An eager start inserted with its first step, computed here before the insert (see
   * first-step-start.ts); the step counts against the step slots like a claimed one.
   */
  startWithFirstStep(
    request: EagerStartRequest,
    startRun: (request: StartRunRequest) => Promise<StartRunResult>,
  ): Promise<StartRunResult>;
  /** Resolves when every step started so far has finished. */
  settleSteps(): Promise<void>;
  /** Claims due tasks up to the free activity slots and starts them; returns how many. */
  pollTasks(): Promise<number>;
  /**
   * One dequeue round over the engine's run queues, or over `only` (see Journal.dequeueRuns): `queue.dequeued`
   * per queue that gave runs, `queue.throttled` once per episode. Returns how many runs it
   * dequeued, whether a queue still has due runs that no limit holds back (worth another
   * round at once), and whether every queue is `full`: each has due runs held back by a slot
   * limit (`concurrency` or `perEngineConcurrency`), so only a run's end can let one more in.
   */
  dequeue(
    only?: readonly string[],
  ): Promise<{ readonly dequeued: number; readonly more: boolean; readonly full: boolean }>;
  /** Moves due timers to their runs' inboxes; returns how many fired. */
  fireTimers(limit: number): Promise<number>;
  /** Fires due schedules (registering the code's schedules first, once); returns how many runs started. */
  fireSchedules(): Promise<number>;
  /**
   * Marks ready runs of this engine's workflows whose version hash it lacks, and that waited
   * `unknownVersionAfterMs` without an engine having that hash taking them, as
   * `stuck_unknown_version` (one `run.stuck_unknown_version` event each); returns how many.
   */
  sweepUnknownVersions(limit?: number): Promise<number>;
  /**
   * Looks for ready runs of workflows this engine does not register that waited
   * `unservedWorkflowAfterMs` (no engine seems to run them): one `workflow.unserved` event per
   * workflow, repeated only when it is still unserved after another such period. Returns how many
   * workflows were reported.
   */
  sweepUnservedWorkflows(): Promise<number>;
}

/** Creates an {@link EngineRuntime}. */
export function createEngineRuntime(options: EngineRuntimeOptions): EngineRuntime {
  const { journal, owner } = options;
  const events: EngineEventEmitter = options.events ?? createEngineEventEmitter();
  const servedQueues = attemptQueues(options.activities, options.queueConfigs);
  const registry = createRegistry(
    options.workflows,
    options.activities,
    (entry) => emitEvent(events, "workflow.log", entry),
    new Set(servedQueues.map((queue) => queue.name)),
  );
  const implementations = new Map(registry.activityImplementations());
  for (const [name, implementation] of options.activityOverrides ?? [])
    implementations.set(name, implementation);
  // An evicted run's in-process attempts get their rows before its lease goes (see ActivityPool.persistRun).
  const cache = createStickyCache(options.cacheSize, journal, events, (runId) => pool.persistRun(runId));
  const schedules = createEngineSchedules({
    journal,
    events,
    schedules: options.schedules ?? [],
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    ...(options.namespaces === undefined ? {} : { namespaces: options.namespaces }),
  });
  // What this engine claims and sweeps: its namespaces, its one namespace, or (test kit) all.
  const served = options.namespaces ?? (options.namespace === undefined ? undefined : [options.namespace]);
  const claimScope: { namespace?: string; namespaces?: readonly string[] } =
    served === undefined ? {} : served.length === 1 ? { namespace: served[0]! } : { namespaces: served };
  const sweepScopes: { namespace?: string }[] =
    served === undefined ? [{}] : served.map((namespace) => ({ namespace }));
  /** Steps in progress: those of claims, and those our own finished attempts started (sticky fast path). */
  const steps = new Set<Promise<unknown>>();
  const instrumentation = options.instrumentation;
  const traceContexts = instrumentation?.activity === undefined ? undefined : createRunTraceContexts(journal);
  const pool = createActivityPool({
    journal,
    ...(instrumentation?.activity === undefined || traceContexts === undefined
      ? {}
      : { instrument: { around: instrumentation.activity.bind(instrumentation), traceContexts } }),
    owner,
    concurrency: options.activityConcurrency,
    activities: implementations,
    queues: servedQueues,
    events,
    timers: options.timers ?? realTimers,
    ...(options.onActivitySlotFreed === undefined ? {} : { onSlotFreed: options.onActivitySlotFreed }),
    ...(options.onRetryScheduled === undefined ? {} : { onRetryScheduled: options.onRetryScheduled }),
    // An in-process outcome that could not be written: stop holding the run (no release), so
    // that its lease runs out and the timer wheel wakes it for a re-issue.
    onAttemptLost: (runId: string) => cache.abandon(runId),
    ...(options.attemptLeaseMs === undefined ? {} : { attemptLeaseMs: options.attemptLeaseMs }),
    ...(options.stickyActivities === false
      ? {}
      : {
          finishClaimedLocally: (claim: TaskClaim, outcome: LocalOutcome, onCommitted: () => void) =>
            stepper.finishClaimedLocally(claim, outcome, onCommitted),
        }),
  });
  const outcomes = createLocalOutcomes(
    (runId) => stepper.busy.has(runId) || cache.peek(runId) !== undefined,
    (runId) => stepper.busy.has(runId),
  );
  const stepper = createRunStepper({
    outcomes,
    journal,
    registry,
    cache,
    events,
    leaseMs: options.leaseMs,
    driftBackoffMs: options.driftBackoffMs,
    ...(options.stepErrorBackoff === undefined ? {} : { stepErrorBackoff: options.stepErrorBackoff }),
    ...(options.afterCommit === undefined ? {} : { afterCommit: options.afterCommit }),
    ...(options.stickyActivities === false ? {} : { pool }),
    onWithdrawn: (runId, identities) =>
      pool.abortAttempts(runId, identities, new CancelledError("the workflow no longer waits for this call")),
    ...(options.timers === undefined ? {} : { timers: options.timers }),
    ...(instrumentation === undefined ? {} : { instrumentation }),
    ...(traceContexts === undefined ? {} : { traceContexts }),
    onReadyAgain: () => options.onWorkflowSlotFreed?.(),
    track: (running) => {
      const tracked: Promise<unknown> = running.finally(() => steps.delete(tracked));
      steps.add(tracked);
    },
  });
  const leaseKeeper = createLeaseKeeper({
    journal,
    owner,
    leaseMs: options.leaseMs,
    cache,
    events,
    inFlight: () => stepper.inFlight(),
  });
  const workflowNames = registry.workflowNames();
  const workflowVersions = registry.workflowVersions();
  const unknownVersionAfterMs = options.unknownVersionAfterMs ?? 30_000;
  const unservedWorkflowAfterMs = options.unservedWorkflowAfterMs ?? 60_000;
  /** When each unserved workflow was last reported (journal clock), so a warning is not repeated every sweep. */
  const unservedReported = new Map<string, number>();
  const saturated = { workflow: false, activity: false };
  /** Emits `dispatcher.saturated` once when a queue's slots fill up, again only after one freed. */
  const noteSlots = (queue: "workflow" | "activity", free: number, concurrency: number): void => {
    if (free > 0) saturated[queue] = false;
    else if (!saturated[queue]) {
      saturated[queue] = true;
      emitEvent(events, "dispatcher.saturated", { queue, concurrency });
    }
  };

  const freeStepSlots = (): number => Math.max(0, options.workflowConcurrency - steps.size);
  /**
   * Whether ready runs may be waiting for a step slot: the last poll filled every free slot, or
   * found none free. Only then is a finished step worth a poll right away; otherwise new work
   * announces itself (run_ready hints) and the poll interval covers the rest, so an engine
   * driving runs on its own (eager starts, sticky steps) sends no empty claims.
   */
  let backlog = false;

  /** Steps a claimed run, counted against the step slots until it settles. */
  const runClaim = (claim: RunClaim): void => {
    const running: Promise<unknown> = stepper
      .step(claim)
      .then(
        // A skipped claim (the run is mid-step) frees nothing worth an immediate re-poll.
        (outcome) => outcome !== "skipped",
        (error: unknown) => (
          emitEvent(events, "engine.error", { where: "step", error, runId: claim.run.runId }),
          true
        ),
      )
      .then((worthRepoll) => {
        steps.delete(running);
        if (worthRepoll && backlog) options.onWorkflowSlotFreed?.();
      });
    steps.add(running);
  };

  const queues = options.queues ?? [];
  /** Queues whose last round was throttled, by reason: `queue.throttled` once per episode. */
  const throttled = new Map<string, string>();

  return {
    owner,
    events,
    registry,
    cache,
    pool,
    stepper,
    outcomes,
    leaseKeeper,
    get freeStepSlots() {
      return freeStepSlots();
    },
    async pollRuns() {
      const limit = freeStepSlots();
      backlog = limit === 0;
      if (workflowNames.length === 0) return 0;
      noteSlots("workflow", limit, options.workflowConcurrency);
      if (limit === 0) return 0;
      const startedAt = performance.now();
      const claims = await journal.claimRuns({
        owner,
        limit,
        leaseMs: options.leaseMs,
        workflowNames,
        workflowVersions,
        // Re-claiming a run we are stepping would, once its lease expired, fence out our own step.
        ...(stepper.busy.size === 0 ? {} : { exclude: [...stepper.busy] }),
        ...claimScope,
      });
      backlog = claims.length >= limit;
      for (const claim of claims) runClaim(claim);
      emitEvent(events, "dispatcher.polled", {
        queue: "workflow",
        limit,
        claimed: claims.length,
        durationMs: performance.now() - startedAt,
      });
      return claims.length;
    },
    runEagerly: (claim) => runClaim(claim),
    startWithFirstStep: (request, startRun) =>
      startWithFirstStep(
        {
          journalNow: () => stepper.journalNow(),
          step: (claim, first) => stepper.step(claim, first),
          track: (step) => {
            steps.add(step);
            void step.finally(() => {
              steps.delete(step);
              if (backlog) options.onWorkflowSlotFreed?.();
            });
          },
          runEagerly: (claim) => runClaim(claim),
          onError: (error, runId) => emitEvent(events, "engine.error", { where: "step", error, runId }),
          getRun: (runId) => journal.getRun(runId),
          release: (lease) => journal.releaseRun(lease),
        },
        request,
        startRun,
      ),
    async settleSteps() {
      while (steps.size > 0) await Promise.all([...steps]);
    },
    async pollTasks() {
      const limit = pool.free;
      const serving = implementations.size > 0;
      if (serving) noteSlots("activity", limit, options.activityConcurrency);
      const startedAt = performance.now();
      const claimed = await pool.claimAndStart();
      if (serving && limit > 0)
        emitEvent(events, "dispatcher.polled", {
          queue: "activity",
          limit,
          claimed,
          durationMs: performance.now() - startedAt,
        });
      return claimed;
    },
    async dequeue(only = queues) {
      if (only.length === 0) return { dequeued: 0, more: false, full: false };
      // A dequeued run holds its queue slot until it ends, not a step slot: dequeue up to the
      // engine's step concurrency per round, whatever is free right now (the queue's limits cap it).
      const results = await journal.dequeueRuns({
        owner,
        queues: only,
        limit: options.workflowConcurrency,
      });
      let more = false;
      let dequeued = 0;
      // A queue skipped (another engine held it) or unknown gives no result: not known full.
      let full = results.length === only.length;
      for (const result of results) {
        if (result.throttled !== "concurrency" && result.throttled !== "per_engine_concurrency") full = false;
        dequeued += result.runIds.length;
        if (result.runIds.length > 0)
          emitEvent(events, "queue.dequeued", { queue: result.queue, runIds: result.runIds });
        if (result.throttled === undefined) throttled.delete(result.queue);
        else if (throttled.get(result.queue) !== result.throttled) {
          throttled.set(result.queue, result.throttled);
          emitEvent(events, "queue.throttled", { queue: result.queue, reason: result.throttled });
        }
        if (result.moreDue && result.throttled === undefined) more = true;
      }
      return { dequeued, more, full };
    },
    fireTimers: (limit) => journal.fireDueTimers(limit),
    fireSchedules: () => schedules.fire(),
    async sweepUnknownVersions(limit = 100) {
      if (workflowVersions.length === 0) return 0;
      const marked = (
        await Promise.all(
          sweepScopes.map((scope) =>
            journal.markUnknownVersions({
              known: workflowVersions,
              waitingForMs: unknownVersionAfterMs,
              limit,
              ...scope,
            }),
          ),
        )
      ).flat();
      for (const run of marked) {
        const knownHashes = workflowVersions
          .filter((ref) => ref.workflowName === run.workflowName)
          .map((ref) => ref.versionHash);
        emitEvent(events, "run.stuck_unknown_version", {
          runId: run.runId,
          workflowName: run.workflowName,
          versionHash: run.versionHash,
          knownHashes,
        });
      }
      return marked.length;
    },
    async sweepUnservedWorkflows() {
      // An engine with no workflows (an activity worker) has no opinion on who runs them.
      if (workflowNames.length === 0) return 0;
      const [groups, now] = await Promise.all([
        Promise.all(
          sweepScopes.map((scope) =>
            journal.listUnservedWorkflows({
              registered: workflowNames,
              waitingForMs: unservedWorkflowAfterMs,
              limit: 20,
              ...scope,
            }),
          ),
        ),
        journal.now(),
      ]);
      const unserved = groups.flat();
      const current = new Set<string>();
      let reported = 0;
      for (const group of unserved) {
        const key = JSON.stringify([group.namespace, group.workflowName]);
        current.add(key);
        const last = unservedReported.get(key);
        if (last !== undefined && now - last < unservedWorkflowAfterMs) continue;
        unservedReported.set(key, now);
        reported++;
        emitEvent(events, "workflow.unserved", { ...group, waitingForMs: unservedWorkflowAfterMs });
      }
      for (const key of unservedReported.keys()) if (!current.has(key)) unservedReported.delete(key);
      return reported;
    },
  };
}
