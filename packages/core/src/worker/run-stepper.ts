import type { Journal, RunClaim, RunLeaseRef, TaskClaim, TaskOutcome } from "../journal/journal.ts";
import type { EffectIdentity, HistoryEventBody, ResolutionEvent } from "../model/index.ts";
import type { InboxHint } from "../journal/notifier.ts";
import type { EngineEventEmitter } from "./engine-events.ts";
import type { LocalOutcomes } from "./local-outcomes.ts";
import type { Registry } from "./registry.ts";
import type { StickyCache } from "./sticky-cache.ts";
import type { ActivityPool } from "./activity-pool.ts";
import type { EngineTimers } from "./engine-timers.ts";
import { createClaimedStep, type FirstStepInsert } from "./claimed-step.ts";
import { createLocalSteps } from "./local-steps.ts";
import { createStepperState } from "./stepper-state.ts";
import type { Instrumentation } from "./instrumentation.ts";
import type { RunTraceContexts } from "./run-trace-contexts.ts";

/** What the stepper tells its caller about one claim. */
export type StepOutcome = "stepped" | "skipped" | "drifted" | "lease_lost" | "error";

/** A committed step, as the test kit's paranoid mode sees it. */
export interface CommittedStep {
  readonly runId: string;
  readonly workflowId: string;
  readonly workflowName: string;
  /** The version hash the run started with (the code that stepped it). */
  readonly versionHash: string;
  /** The run's lastSeq before the step. */
  readonly fromSeq: number;
  readonly now: number;
  readonly deliveries: readonly ResolutionEvent[];
  readonly events: readonly HistoryEventBody[];
}

/** Settings of a {@link RunStepper}. */
export interface RunStepperOptions {
  readonly journal: Journal;
  readonly registry: Registry;
  readonly cache: StickyCache;
  readonly events: EngineEventEmitter;
  readonly leaseMs: number;
  /** How long a drifted run is left alone before any engine tries it again (ms, journal clock). */
  readonly driftBackoffMs: number;
  /**
   * Backoff after a step that failed with an engine error (not a lease loss, not drift): the
   * run is deferred `initialMs`, doubling per consecutive failure up to `maxMs`. Default 1 s / 60 s.
   */
  readonly stepErrorBackoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Test-kit hook, awaited after each commit (paranoid replay). */
  readonly afterCommit?: (step: CommittedStep) => Promise<void>;
  /**
   * Sticky fast path: the pool that runs, at once and in this process, the tasks a step commit
   * created already claimed, and whose results come back here (see {@link RunStepper}). Absent:
   * every task goes through the journal's task queue.
   */
  readonly pool?: ActivityPool;
  /**
   * Called after a commit that withdrew activity calls (a cancellation reached them), so the
   * attempts of those calls running in this process see their `signal` abort.
   */
  readonly onWithdrawn?: (runId: string, identities: readonly EffectIdentity[]) => void;
  /** Local time, to tell the journal clock's "now" between two commits (default: real timers). */
  readonly timers?: EngineTimers;
  /** Tracing hooks: `childTraceContext` names the trace context of the children a step starts. */
  readonly instrumentation?: Instrumentation;
  /** Where claimed runs' trace contexts are noted for the activity pool (instrumentation only). */
  readonly traceContexts?: RunTraceContexts;
  /** Called with every step started by a finished attempt (not by a claim), so the runtime can await it. */
  readonly track?: (step: Promise<unknown>) => void;
  /**
   * Called once a step is over (the run no longer busy) that left its run ready for another:
   * items arrived while it was computed, or the run was given back. The runtime polls for it,
   * since the run_ready hint may have been handled while the run was still busy.
   */
  readonly onReadyAgain?: () => void;
  /** Told the outcome of each run a step of this stepper ends (completed or failed), and when the step lets go of it. */
  readonly outcomes?: Pick<LocalOutcomes, "settled" | "forget">;
}

/**
 * Runs one step of a claimed run: finds its execution (the sticky one when its lastSeq matches
 * the journal's, otherwise rebuilt by replaying the history), delivers the inbox, and commits
 * the result under the claim's fencing token.
 *
 * On a cache hit the cost is the claim, one `step` over the new events and one commit: nothing
 * here reads the history, so a step costs the same at event 10 and at event 100 000.
 *
 * Sticky fast path (with a `pool`): a step that keeps its execution cached creates the tasks it
 * schedules already claimed by this engine, as many as the pool has code and free slots for,
 * and the pool starts them at once. When such an attempt completes or fails for good, its
 * result goes straight to the cached execution: the run's next step delivers it and commits it
 * with `finishTasks` (the task is closed in the step's transaction), so an activity step is one
 * transaction, with no task poll, no inbox item and no run claim. Results that arrive while a
 * step of the run is in progress wait and go into the next step together (one step at a time per
 * run; a claimed step takes them along with its inbox). Whenever that cannot be done (the run is
 * no longer cached, its lease is lost, an attempt turned stale, the step failed) the attempts
 * are reported with `finishTask` as usual: their results reach the run through its inbox.
 */
export interface RunStepper {
  /**
   * Steps a claimed run. With `first`, the claim is that of a run about to be inserted with
   * this step (see first-step-start.ts): the commit inserts it, and a failure before the insert
   * rejects (nothing written, nothing released).
   */
  step(claim: RunClaim, first?: FirstStepInsert): Promise<StepOutcome>;
  /** The journal clock as this stepper tells it from its latest reading (-Infinity before any). */
  journalNow(): number;
  /** Runs with a step in progress (a claim for one of them is skipped; claims exclude them). */
  readonly busy: ReadonlySet<string>;
  /** The leases of the steps in progress: the lease keeper renews them with the cached ones. */
  inFlight(): RunLeaseRef[];
  /** Sticky fast path: see {@link FinishLocally} (the pool calls it when a claimed-at-commit attempt ends). */
  finishLocally(claim: TaskClaim, outcome: LocalOutcome, onCommitted: () => void): Promise<boolean>;
  /**
   * {@link finishLocally} for an attempt the pool claimed from the journal (see
   * `ActivityPoolOptions.finishClaimedLocally`): offered only when the run is cached here, the
   * attempt has no heartbeat timeout, and no local step of the run was refused for a non-empty
   * inbox (other engines' results arriving by `finishTask`); otherwise false at once.
   */
  finishClaimedLocally(claim: TaskClaim, outcome: LocalOutcome, onCommitted: () => void): Promise<boolean>;
  /**
   * A signal for a run, announced by a `run_inbox` hint: when this engine has the run cached and
   * idle, it reads that one item (`readInboxItem`: the hint carries ids only) and steps the run
   * with it at once (no claim); the journal refuses the step if the inbox is not as the hint
   * says, and then the run is replayed from a claim. Returns whether it took the hint (false:
   * the run is for a claim to step).
   */
  deliverHint(hint: InboxHint): boolean;
}

/** How a finished attempt ended, as the sticky fast path carries it to its run's next step. */
export type LocalOutcome = Extract<TaskOutcome, { kind: "completed" | "failed" }>;

/** Creates a {@link RunStepper}. */
export function createRunStepper(options: RunStepperOptions): RunStepper {
  // The claimed path and the local path share one state: a run is stepped by one of them at a
  // time, and each hands the results it could not take over to the other.
  const state = createStepperState(options);
  const local = createLocalSteps(state);
  const step = createClaimedStep(state, local);
  const { busy, inFlight, clock } = state;
  const { finishLocally, finishClaimedLocally, deliverHint } = local;
  return {
    step,
    journalNow: () => clock.now(),
    busy,
    inFlight: () => [...inFlight.values()],
    finishLocally,
    finishClaimedLocally,
    deliverHint,
  };
}
