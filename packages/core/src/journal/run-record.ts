// A run as the journal stores it, and how runs are listed (Journal.getRun, listRuns).
import type { Encoded, ParentClosePolicy, RunStatus, SerializedError, TraceContext } from "../model/index.ts";
import type { AttributeCondition, RunOrder } from "../model/attribute-query.ts";

export interface RunRecord {
  readonly runId: string;
  readonly namespace: string;
  readonly workflowId: string;
  readonly workflowName: string;
  readonly versionHash: string;
  readonly status: RunStatus;
  readonly input: Encoded;
  readonly result?: Encoded;
  readonly error?: SerializedError;
  readonly attributes: Readonly<Record<string, Encoded>>;
  readonly parentRunId?: string;
  /** For a child run: the identity of the parent's `child_started` event (where its outcome is delivered). */
  readonly parentIdentity?: string;
  /** For a child run: what the parent's end does to it. */
  readonly parentClosePolicy?: ParentClosePolicy;
  /** Set on a run that ended by continue-as-new. */
  readonly continuedTo?: string;
  /** The trace context the run was started with (see {@link StartRunRequest.traceContext}). */
  readonly traceContext?: TraceContext;
  /** Number of history events. */
  readonly lastSeq: number;
  readonly fencingToken: number;
  readonly leaseOwner?: string;
  readonly leaseExpiresAt?: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly finishedAt?: number;
  /**
   * Delayed starts: when the run was asked to start (see {@link StartRunRequest.startAt}).
   * It has not started while {@link RunRecord.lastSeq} is 1 and the time is still ahead.
   */
  readonly startAt?: number;
}

export interface RunFilter {
  readonly namespace?: string;
  /** Only runs with this workflow id: every run that ever held it, the latest first. */
  readonly workflowId?: string;
  readonly workflowName?: string;
  /** Only children of this run (their chains' runs included). */
  readonly parentRunId?: string;
  readonly status?: RunStatus | readonly RunStatus[];
  /** Runs whose attributes contain all of these (jsonb containment). */
  readonly attributes?: Readonly<Record<string, Encoded>>;
  /** Runs whose search attributes match this typed query (see `attr`, `allOf`, `anyOf`). */
  readonly where?: AttributeCondition;
  /** Page order: start time (default, newest first) or an attribute's value; ties by start order. */
  readonly orderBy?: RunOrder;
  readonly limit?: number;
  /** Opaque cursor from a previous page (of the same `orderBy`). */
  readonly after?: string;
}

export interface RunPage {
  readonly runs: RunRecord[];
  readonly next?: string;
}
