import type { FinishedTask, RunClaim, RunLeaseRef } from "../journal/journal.ts";
import type { ResolutionEvent } from "../model/index.ts";
import { emitEvent } from "./engine-events.ts";
import { realTimers } from "./engine-timers.ts";
import type { RunStepperOptions } from "./run-stepper.ts";
import {
  createJournalClock,
  createStickyActivities,
  type JournalClock,
  type StickyActivities,
} from "./sticky-activities.ts";

/** A finished attempt waiting for its run's next step (sticky fast path). */
export interface LocalFinish {
  readonly finished: FinishedTask;
  readonly event: ResolutionEvent;
  readonly settle: (committed: boolean) => void;
  readonly onCommitted: () => void;
}

/**
 * What the claimed path and the local path of a {@link RunStepper} share: which runs are being
 * stepped, the results waiting for them, the journal clock and the sticky claims. One per stepper.
 */
export interface StepperState {
  readonly options: RunStepperOptions;
  /** Runs with a step in progress. */
  readonly busy: Set<string>;
  /** runId -> lease of the step in progress (same keys as `busy`). */
  readonly inFlight: Map<string, RunLeaseRef>;
  /** runId -> consecutive failed steps (reset by a committed step). */
  readonly failures: Map<string, number>;
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  /** runId -> finished attempts waiting for the run's next step (sticky fast path). */
  readonly pending: Map<string, LocalFinish[]>;
  readonly clock: JournalClock;
  readonly sticky: StickyActivities;
  /** Removes and returns the results waiting for `runId`. */
  readonly takePending: (runId: string) => LocalFinish[];
  /** Tells each waiting result whether it committed with a step (else it is reported with finishTask). */
  readonly settleAll: (items: readonly LocalFinish[], committed: boolean) => void;
  /** Gives the run back to the journal (optionally deferred); a failure is reported, not thrown. */
  readonly release: (claim: RunClaim | RunLeaseRef, notBeforeMs?: number) => Promise<void>;
}

/** Creates the {@link StepperState} of a new stepper. */
export function createStepperState(options: RunStepperOptions): StepperState {
  const { journal, events } = options;
  const pending = new Map<string, LocalFinish[]>();
  return {
    options,
    busy: new Set<string>(),
    inFlight: new Map<string, RunLeaseRef>(),
    failures: new Map<string, number>(),
    backoff: options.stepErrorBackoff ?? { initialMs: 1_000, maxMs: 60_000 },
    pending,
    clock: createJournalClock(options.timers ?? realTimers),
    sticky: createStickyActivities(options.pool),
    takePending: (runId) => {
      const items = pending.get(runId) ?? [];
      pending.delete(runId);
      return items;
    },
    settleAll: (items, committed) => {
      for (const item of items) {
        if (committed) item.onCommitted();
        item.settle(committed);
      }
    },
    release: (claim, notBeforeMs) => {
      const lease = "lease" in claim ? claim.lease : claim;
      // Its in-process attempts get their rows first: whoever claims it next finds them.
      // If some could not, the lease is not given back: it runs out, and their calls are re-issued.
      return (options.pool?.persistRun(lease.runId) ?? Promise.resolve(true))
        .then(async (persisted) => {
          if (!persisted) throw new Error(`in-process attempts of run ${lease.runId} kept no row`);
          await journal.releaseRun(lease, notBeforeMs === undefined ? undefined : { notBeforeMs });
        })
        .then(() =>
          emitEvent(events, "lease.released", {
            runId: lease.runId,
            fencingToken: lease.fencingToken,
            ...(notBeforeMs === undefined ? {} : { notBeforeMs }),
          }),
        )
        .catch((error: unknown) =>
          emitEvent(events, "engine.error", { where: "release", error, runId: lease.runId }),
        );
    },
  };
}
