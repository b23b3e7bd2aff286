import { emitEvent, type EngineErrorEvent, type EngineEventEmitter } from "./engine-events.ts";
import type { createJournalHealth } from "./journal-health.ts";
import type { Waker } from "./waker.ts";

/** One round of a background loop: does its work and returns how long to wait (ms) before the next. */
export type LoopRound = () => Promise<number>;

/** Dependencies of {@link createLoopRunner}. */
export interface LoopRunnerOptions {
  readonly events: EngineEventEmitter;
  readonly health: ReturnType<typeof createJournalHealth>;
  /** Wait after a failed round. */
  readonly pollIntervalMs: number;
  /** Read before every round and every wait: false ends the loop. */
  readonly isRunning: () => boolean;
}

/**
 * Creates the function that runs one of the engine's background loops: rounds until the
 * engine stops, each failure reported (`engine.error`, journal health) and retried after a
 * poll interval, the wait between rounds cut short by the loop's waker.
 */
export function createLoopRunner(
  options: LoopRunnerOptions,
): (where: EngineErrorEvent["where"], waker: Waker, round: LoopRound) => Promise<void> {
  const { events, health, pollIntervalMs, isRunning } = options;
  return async (where, waker, round) => {
    while (isRunning()) {
      let waitMs: number;
      try {
        waitMs = await round();
        health.succeeded(where);
      } catch (error) {
        emitEvent(events, "engine.error", { where, error });
        health.failed(where, error);
        waitMs = pollIntervalMs;
      }
      if (!isRunning()) break;
      if (waitMs > 0) await waker.sleep(waitMs);
      else await new Promise<void>((resolve) => setImmediate(resolve)); // see Waker: never starve the event loop
    }
  };
}
