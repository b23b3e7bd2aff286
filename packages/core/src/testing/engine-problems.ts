import { deserializeError } from "../codec/index.ts";
import { TestKitError } from "../errors/engine-errors.ts";
import type { EngineEventEmitter } from "../worker/engine-events.ts";

/** What went wrong inside the test environment's engines, kept to be thrown at the test. */
export interface EngineProblems {
  /** Problems not thrown yet, oldest first (other checks, e.g. a lease loss's, add theirs). */
  readonly problems: Error[];
  /** Throws the oldest problem not thrown yet, if any. */
  readonly throwProblems: () => void;
}

/**
 * Collects the engine's errors and replay drifts from its events: an engine logs and carries
 * on, but a test must fail at its next wait rather than pass over a swallowed error.
 */
export function collectEngineProblems(events: EngineEventEmitter): EngineProblems {
  const problems: Error[] = [];
  events.on("engine.error", (event) =>
    problems.push(
      event.error instanceof Error
        ? event.error
        : new TestKitError(
            `engine error in ${event.where}: ${String(event.error)}`,
            { where: event.where },
            "a non-Error value was thrown; throw Error instances",
            event.error,
          ),
    ),
  );
  events.on("replay.drift", (event) => problems.push(deserializeError(event.error)));
  const throwProblems = (): void => {
    const problem = problems.shift();
    if (problem !== undefined) throw problem;
  };
  return { problems, throwProblems };
}
