// How engines claim, lease and release runs (Journal.claimRuns), and find the runs nobody serves.
import type { EffectIdentity, HistoryEvent, ResolutionEvent } from "../model/index.ts";
import type { RunRecord } from "./run-record.ts";

export interface ClaimRunsRequest {
  readonly owner: string;
  /** Only runs of this namespace; absent claims across namespaces. Engines always pass theirs. */
  readonly namespace?: string;
  /**
   * Only runs of one of these namespaces (an engine serving several, `createEngine({ namespaces })`);
   * when given, `namespace` is ignored. An empty list claims nothing.
   */
  readonly namespaces?: readonly string[];
  readonly limit: number;
  readonly leaseMs: number;
  /** Only runs of these workflows (the ones this engine has code for). */
  readonly workflowNames?: readonly string[];
  /**
   * Only runs whose (workflow name, version hash) is one of these: the exact code versions this
   * engine has. A `stuck_unknown_version` run taken this way is set back to `running` by the
   * claim. Absent: any version hash (the run's status is left as it is).
   */
  readonly workflowVersions?: readonly WorkflowVersionRef[];
  /**
   * Runs the claimer must not get: the ones it is stepping right now. Re-claiming a run whose
   * step is in flight would bump nothing useful and, once its lease expired, would fence out
   * the claimer's own step.
   */
  readonly exclude?: readonly string[];
}

/** Options of {@link Journal.releaseRun}. */
export interface ReleaseRunOptions {
  /**
   * Defer the run: claims skip it until the journal clock passes release time + this many ms.
   * Durations past the largest representable instant are clamped to it (never fires in practice).
   */
  readonly notBeforeMs?: number;
}

/** One version of one workflow: what content-addressed dispatch matches runs by. */
export interface WorkflowVersionRef {
  readonly workflowName: string;
  readonly versionHash: string;
}

/** See {@link Journal.markUnknownVersions}. */
export interface MarkUnknownVersionsRequest {
  /** Every workflow version the caller has code for (non-empty for anything to be marked). */
  readonly known: readonly WorkflowVersionRef[];
  /** How long a run must have been waiting before it counts as unserved. */
  readonly waitingForMs: number;
  readonly limit: number;
  /** Only runs of this namespace (the one the caller serves); absent: every namespace. */
  readonly namespace?: string;
}

/** See {@link Journal.listUnservedWorkflows}. */
export interface UnservedWorkflowsRequest {
  /** Workflow names the caller runs: their runs are never reported. */
  readonly registered: readonly string[];
  /** How long a run must have been waiting before it counts as unserved. */
  readonly waitingForMs: number;
  /** At most this many (namespace, workflow) groups. */
  readonly limit: number;
  /** Only runs of this namespace; absent: every namespace. */
  readonly namespace?: string;
}

/** Ready runs of one workflow that nobody took; see {@link Journal.listUnservedWorkflows}. */
export interface UnservedWorkflow {
  readonly namespace: string;
  readonly workflowName: string;
  readonly runs: number;
}

export interface RunLeaseRef {
  readonly runId: string;
  readonly owner: string;
  readonly fencingToken: number;
}

/** An inbox item: a resolution waiting to be delivered to the run's execution. */
export interface InboxItem {
  /** Monotonic per journal; inbox order is id order. */
  readonly id: number;
  readonly runId: string;
  readonly event: ResolutionEvent;
  readonly receivedAt: number;
}

export interface RunClaim {
  readonly lease: RunLeaseRef;
  readonly leaseExpiresAt: number;
  readonly run: RunRecord;
  /** Undelivered inbox items, in inbox order. */
  readonly inbox: InboxItem[];
  /** The journal's clock at the claim: the step's notion of "now". */
  readonly now: number;
  /**
   * The run row's version as of this claim (opaque; see {@link StepCommit.runVersion}).
   * Absent when the journal does not track versions (the in-memory journal).
   */
  readonly runVersion?: string;
  /**
   * The run's whole history, when the journal has it at hand without a read (a run it has just
   * started): the caller may skip `readHistory`.
   */
  readonly history?: readonly HistoryEvent[];
  /**
   * The calls of the run whose attempts run in-process (see `NewTask.inProcess`): started by an
   * engine holding the run, not finished or persisted yet. A claimer that does not run them
   * itself re-issues them (`Journal.reissueAttempts`) before stepping the run. Absent: none.
   */
  readonly inProcessCalls?: readonly EffectIdentity[];
}
