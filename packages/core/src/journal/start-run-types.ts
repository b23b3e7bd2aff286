// The request and result of starting a run (Journal.startRun), and of signalling one.
import type { Encoded, TraceContext, WorkflowIdReusePolicy } from "../model/index.ts";
import type { RunQueueStart } from "./run-queue-types.ts";
import type { RunRecord } from "./run-record.ts";
import type { RunClaim } from "./run-claim-types.ts";
import type { StepCommit, StepCommitResult } from "./step-commit-types.ts";

/** How a start behaves when a run with the id exists. */
export type StartConflictPolicy = "return" | "fail";

export interface StartRunRequest {
  readonly namespace: string;
  /** User-facing id: held by at most one open run per namespace; generated when absent. */
  readonly workflowId?: string;
  readonly workflowName: string;
  readonly versionHash: string;
  readonly input: Encoded;
  readonly attributes?: Readonly<Record<string, Encoded>>;
  readonly parentRunId?: string;
  readonly onConflict?: StartConflictPolicy;
  /**
   * Whether the id may start a new run after earlier runs with it (default `allowAfterClosed`);
   * when it may not, the start is a conflict (`onConflict` decides). See WorkflowIdReusePolicy.
   */
  readonly idReusePolicy?: WorkflowIdReusePolicy;
  /**
   * Eager start: create the run already leased to `owner` (who steps it at once, in-process),
   * instead of announcing it for any engine to claim. The run is ready as usual, so if the
   * owner dies before its first step, another engine claims it when the lease expires.
   * Ignored when the workflow id is taken (nothing is created).
   */
  readonly lease?: { readonly owner: string; readonly leaseMs: number };
  /**
   * The W3C trace context of the caller, stored with the run (and copied to its successors when
   * it continues as new) for instrumentation to parent the run's spans under. Stored verbatim.
   */
  readonly traceContext?: TraceContext;
  /** Queue the run: no engine runs it before `dequeueRuns` takes it from this queue. */
  readonly queue?: RunQueueStart;
  /**
   * Delayed start: the run is created now (durable, visible, cancellable) but no engine claims
   * it before this instant (epoch ms, by the journal clock). `lease` is ignored with a delay.
   */
  readonly startAt?: number;
  /** Delayed start: like {@link startAt}, as a delay from the journal clock's now. */
  readonly startDelayMs?: number;
  /**
   * The new run's id; the journal draws one when absent. An engine that computed the run's
   * {@link firstStep} names it, and names it again when it falls back to a start without the
   * step, so a start whose acknowledgement was lost cannot create a second run. An id already
   * taken (by any run, or as an open run's workflow id) fails the start.
   */
  readonly runId?: string;
  /**
   * Eager start with its first step (see {@link FirstStepStart}): the run is inserted with this
   * step already applied, atomically: its events follow `run_started`, its tasks and timers
   * exist, and the run row is as after `commitStep`. Nothing is written when either part is
   * refused. Requires `lease` and `runId`, and a fresh start (no workflow id, queue or delay);
   * the step's lease is `{ runId, owner: lease.owner, fencingToken: 1 }` and its lastSeq 1.
   */
  readonly firstStep?: StepCommit;
}

/** A start that carries its first step: what {@link StartRunRequest.firstStep} requires. */
export type FirstStepStart = StartRunRequest & {
  readonly runId: string;
  readonly lease: NonNullable<StartRunRequest["lease"]>;
  readonly firstStep: StepCommit;
};

export interface StartRunResult {
  readonly run: RunRecord;
  readonly created: boolean;
  /**
   * Eager start (`lease` given and the run created) without a first step: the new run as a
   * claim held by `lease.owner`.
   */
  readonly claim?: RunClaim;
  /** With {@link StartRunRequest.firstStep}: that step's commit, as `commitStep` returns it. */
  readonly firstStep?: StepCommitResult;
}

export interface SendSignalRequest {
  readonly runId: string;
  readonly name: string;
  readonly payload: Encoded;
  readonly deliveryId?: string;
}
