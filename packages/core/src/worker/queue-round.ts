import type { Journal } from "../journal/journal.ts";
import type { QueueDefinition } from "../queue/define-queue.ts";
import type { EngineEventEmitter } from "./engine-events.ts";
import type { EngineRuntime } from "./engine-runtime.ts";
import type { LoopRound } from "./engine-loop.ts";

/**
 * Whether the engine's queues were all full at its last dequeue round (see
 * {@link EngineRuntime.dequeue}): then a queued start's hint cannot let a run in, only a run's
 * end can, so the engine does not wake its queue loop for start hints (each such round was a
 * transaction on the queue row, three per start with three engines, for nothing).
 */
export interface QueueGate {
  full: boolean;
}

/**
 * The queue loop's round: stores the queues' limits once (the first round), then dequeues;
 * again at once while a queue has due runs no limit holds back, else after a poll interval or
 * a wake-up (a queued start's hint while `gate` is not full, a local run's end). Sets `gate`.
 */
export function queueRound(
  runtime: EngineRuntime,
  journal: Journal,
  queues: readonly QueueDefinition[],
  pollIntervalMs: number,
  wakeRuns: () => void,
  gate: QueueGate = { full: false },
): LoopRound {
  let defined = false;
  return async () => {
    if (!defined) {
      await journal.defineQueues(queues.map((queue) => queue.config));
      defined = true;
    }
    const { dequeued, more, full } = await runtime.dequeue();
    gate.full = full;
    // Claim what we dequeued without waiting for our own hint's round trip through the database.
    if (dequeued > 0) wakeRuns();
    return more ? 0 : pollIntervalMs;
  };
}

const runEnds = ["run.completed", "run.failed", "run.cancelled", "run.continued"] as const;

/**
 * Calls `wakeQueues` whenever a run ends: its queue slot is free, so the queue loop dequeues
 * again at once rather than at the next poll. Returns the unsubscribe function.
 */
export function refillQueuesOnRunEnd(events: EngineEventEmitter, wakeQueues: () => void): () => void {
  const refill = (): void => wakeQueues();
  for (const name of runEnds) events.on(name, refill);
  return () => {
    for (const name of runEnds) events.off(name, refill);
  };
}
