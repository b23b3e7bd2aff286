import type { StepCommit } from "../journal/journal.ts";
import type { Encoded, SerializedError } from "../model/index.ts";
import { RunStatus } from "../model/run-status.ts";

/** The outcome of a run that an engine ended with a step it committed itself. */
export interface SettledRun {
  readonly runId: string;
  readonly workflowName: string;
  readonly status: typeof RunStatus.completed | typeof RunStatus.failed;
  readonly result?: Encoded;
  readonly error?: SerializedError;
}

/**
 * What a client bound to an engine in the same process learns without asking the database:
 * whether the engine holds a run right now (its step is in flight or its execution is cached
 * under its lease, so the run is not finished), and the outcome of each run the engine ends, as
 * its ending step commits. `run.result()` on such a client skips its first read of a run the
 * engine holds and its last read of a run the engine ended: two statements per awaited result.
 */
export interface LocalOutcomeSource {
  /** True while this engine steps the run or holds its execution under its lease. */
  holds(runId: string): boolean;
  /** True while a step of the run is in progress here (its outcome, if it ends the run, comes as it commits). */
  stepping(runId: string): boolean;
  /** The outcome of a run whose ending step is committed and still finishing here, if any. */
  peek(runId: string): SettledRun | undefined;
  /** Calls `listener` with each outcome as its ending step commits; returns the unsubscribe. */
  subscribe(listener: (outcome: SettledRun) => void): () => void;
}

/** The engine side of a {@link LocalOutcomeSource}: its steppers record, clients read. */
export interface LocalOutcomes extends LocalOutcomeSource {
  /** The run's ending step committed (call before the step lets go of the run). */
  settled(outcome: SettledRun): void;
  /** The step that ended the run let go of it: its outcome is the journal's to tell from now on. */
  forget(runId: string): void;
}

/**
 * Creates the outcome registry of one engine. `holds` is the engine's own view of the runs it
 * steps or caches. Outcomes are kept only while their ending step is finishing (a few
 * milliseconds), so memory does not grow and a run reopened later (an operator's retry) is
 * always read from the journal.
 *
 * @example
 * ```ts
 * const outcomes = createLocalOutcomes(
 *   (runId) => stepper.busy.has(runId) || cache.peek(runId) !== undefined,
 *   (runId) => stepper.busy.has(runId),
 * );
 * ```
 */
export function createLocalOutcomes(
  holds: (runId: string) => boolean,
  stepping: (runId: string) => boolean,
): LocalOutcomes {
  const finishing = new Map<string, SettledRun>();
  const listeners = new Set<(outcome: SettledRun) => void>();
  return {
    holds,
    stepping,
    peek: (runId) => finishing.get(runId),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    settled(outcome) {
      finishing.set(outcome.runId, outcome);
      for (const listener of [...listeners]) {
        try {
          listener(outcome);
        } catch {
          // A waiting client's failure must not fail the engine's step.
        }
      }
    },
    forget: (runId) => finishing.delete(runId),
  };
}

/** Records a committed step's run outcome for clients in this process, if the step ended the run. */
export function noteOutcome(
  outcomes: Pick<LocalOutcomes, "settled"> | undefined,
  runId: string,
  workflowName: string,
  run: StepCommit["run"],
): void {
  if (outcomes === undefined) return;
  if (run.status !== RunStatus.completed && run.status !== RunStatus.failed) return;
  outcomes.settled({
    runId,
    workflowName,
    status: run.status,
    ...(run.result === undefined ? {} : { result: run.result }),
    ...(run.error === undefined ? {} : { error: run.error }),
  });
}
