// The request and result of starting a run (Journal.startRun), and of signalling one.
import type { Encoded, TraceContext, WorkflowIdReusePolicy } from "../model/index.ts";
import type { RunQueueStart } from "./run-queue-types.ts";
import type { RunRecord } from "./run-record.ts";
import type { RunClaim } from "./run-claim-types.ts";

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
}

export interface StartRunResult {
  readonly run: RunRecord;
  readonly created: boolean;
  /** Eager start (`lease` given and the run created): the new run as a claim held by `lease.owner`. */
  readonly claim?: RunClaim;
}

export interface SendSignalRequest {
  readonly runId: string;
  readonly name: string;
  readonly payload: Encoded;
  readonly deliveryId?: string;
}
