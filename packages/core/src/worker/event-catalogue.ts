import type { EngineEventName } from "./engine-events.ts";

/**
 * The engine's events, each with when it fires: the closed set that `engine.events` emits
 * (the types are in {@link EngineEvents}; guides/observability.md has the fields). The compiler
 * checks that this list and `EngineEvents` name the same events.
 *
 * @example
 * ```ts
 * for (const name of engineEventNames) engine.events.on(name, (e) => metrics.increment(name));
 * ```
 */
export const engineEventCatalogue = {
  "run.started": "a run took its first step",
  "run.suspended": "a step committed and the run waits (timers, activities, signals, children)",
  "run.completed": "a run returned",
  "run.failed": "a run threw (its error code and fix line are in the error)",
  "run.cancelled": "a run ended by cancellation",
  "run.continued": "a run continued as new",
  "run.stuck_unknown_version": "a ready run waits for a workflow version no running engine has",
  "step.committed": "one step of a run was committed",
  "replay.started": "an execution is rebuilt from history (not in the sticky cache)",
  "replay.completed": "an execution was rebuilt from history (it follows replay.started)",
  "replay.drift": "the code no longer matches a run's history; the run was left untouched",
  "patched.hit": "patched(id) took its new branch for the first time in a run",
  "child.started": "a step started a child workflow",
  "child.completed": "a child's result was delivered to its parent",
  "child.failed": "a child's failure was delivered to its parent",
  "activity.scheduled": "a step committed an activity task",
  "activity.started": "an activity attempt started in this engine",
  "activity.completed": "an activity attempt returned and its result was journaled",
  "activity.retried": "an activity attempt threw and will be retried",
  "activity.failed": "an activity failed for good (non-retryable, or out of attempts)",
  "activity.timed_out": "an activity attempt ran past its timeout",
  "activity.stale": "an attempt's late outcome was fenced off (the attempt was abandoned or re-claimed)",
  "compensation.scheduled": "a step scheduled a saga compensation",
  "compensation.started": "a compensation attempt started",
  "compensation.completed": "a compensation attempt returned",
  "compensation.failed": "a compensation failed for good",
  "timer.set": "a step committed a timer (sleep, or a signal wait's timeout)",
  "timer.fired": "a fired timer was delivered to its run",
  "signal.awaited": "a step started waiting for a signal",
  "signal.received": "a signal was delivered to its run",
  "lease.acquired": "this engine took a run's lease",
  "lease.renewed": "a lease renewal round of this engine",
  "lease.released": "this engine gave a run's lease back without ending it",
  "lease.lost": "another engine owns a run this engine held",
  "cache.evicted": "a sticky execution left the cache",
  "workflow.log": "workflow code called log() (never repeated by replay)",
  "workflow.unserved": "ready runs of a workflow nobody registers have waited too long",
  "schedule.fired": "a schedule's fire time started its run (on the engine that fired it)",
  "schedule.skipped": "a schedule's fire time started no run (missed, overlap or duplicate)",
  "dispatcher.polled": "one poll of the run or task queue",
  "dispatcher.saturated": "every slot of a queue is busy (once per episode)",
  "queue.dequeued": "this engine dequeued runs from a run queue (they are ready for any engine)",
  "queue.throttled": "a run queue's limit held back due runs (once per episode and reason)",
  "activity.throttled":
    "a queue's limit held back due attempts of activities routed to it (once per episode and reason)",
  "registry.registered": "a workflow version this engine runs, when it starts",
  "engine.started": "engine.start() began the loops",
  "drain.started": "engine.stop() stopped claiming",
  "drain.completed": "engine.stop() finished; every lease is given back",
  "journal.unreachable": "an engine loop started failing (once per outage)",
  "journal.reconnected": "every failing loop succeeded again",
  "retention.deleted": "the retention sweep deleted closed run trees of a workflow",
  "partitions.dropped": "the partition keeper dropped monthly history partitions no run holds any more",
  "engine.error": "something failed outside any run's control; the engine keeps going",
} as const satisfies Record<EngineEventName, string>;

/** Every engine event name (see {@link engineEventCatalogue}). */
export const engineEventNames = Object.keys(engineEventCatalogue) as readonly EngineEventName[];

// Compile-time: every EngineEvents key is in the catalogue (satisfies above rejects extra ones).
type Missing = Exclude<EngineEventName, keyof typeof engineEventCatalogue>;
const complete: [Missing] extends [never] ? true : Missing = true;
void complete;
