import { emitEvent, type EngineEventEmitter } from "./engine-events.ts";
import type { EngineRuntime } from "./engine-runtime.ts";
import type { StopSummary } from "./engine-shutdown.ts";

/** What {@link drainEngine} needs from the engine being stopped. */
export interface DrainRequest {
  readonly runtime: EngineRuntime;
  readonly events: EngineEventEmitter;
  readonly owner: string;
  readonly workflowConcurrency: number;
  readonly graceful: boolean;
  readonly timeoutMs: number;
  /** Whether the engine was running: only then are drain events emitted and loops awaited. */
  readonly wasRunning: boolean;
  /**
   * Stops the engine's loops from starting new rounds (marks it stopped, unsubscribes, wakes
   * every loop) and returns the loops, to wait for their current round.
   */
  readonly halt: () => readonly Promise<void>[];
}

/**
 * The body of `Engine.stop`: halts the loops, lets in-flight steps and activity attempts
 * finish (graceful, up to `timeoutMs`), hands the attempts still running back to the journal
 * and gives every run lease back; emits `drain.started` / `drain.completed` around it.
 */
export async function drainEngine(request: DrainRequest): Promise<StopSummary> {
  const { runtime, events, owner, graceful, wasRunning } = request;
  const stopStartedAt = performance.now();
  const stepsInFlight = request.workflowConcurrency - runtime.freeStepSlots;
  const activitiesInFlight = runtime.pool.active;
  if (wasRunning)
    emitEvent(events, "drain.started", {
      owner,
      graceful,
      steps: stepsInFlight,
      activities: activitiesInFlight,
    });
  const loops = request.halt();
  const deadline = Date.now() + request.timeoutMs;
  const left = (): number => Math.max(0, deadline - Date.now());
  // Loops finish their current round first, so nothing new is claimed past this point.
  if (wasRunning) await withTimeout(Promise.all(loops), left());
  let settled = true;
  if (graceful) {
    await withTimeout(runtime.settleSteps(), left());
    settled = await runtime.pool.drain(left());
  }
  const stepsUnfinished = request.workflowConcurrency - runtime.freeStepSlots;
  const abandonedActivities = runtime.pool.active;
  // Attempts still running are handed back (due now), not left to their lease: another engine
  // retries them at once. Then the run leases go back the same way.
  const activitiesHandedBack = await runtime.pool.handBackAll();
  const runsReleased = runtime.cache.leases().length;
  await runtime.cache.clear();
  if (wasRunning)
    emitEvent(events, "drain.completed", {
      owner,
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
}

/** Waits for `promise` (its rejection ignored) or `ms`, whichever comes first. */
async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}
