// Retention: which closed run trees Journal.deleteClosedRuns (`continuum cleanup`) deletes.
import type { RunStatus } from "../model/index.ts";

/**
 * What `Journal.deleteClosedRuns` deletes (retention, `continuum cleanup`). The unit is a run
 * tree: a root run (no parent) with its continue-as-new successors and every descendant run
 * (children, their successors, their children...). A tree is deleted whole or not at all, and
 * only when every run in it is closed (completed, failed, cancelled, continued) before
 * `closedBefore` and none of them has activity work still pending or running (detached tasks of
 * a finished run). So lineage stays whole: no run is left with a missing parent or successor,
 * and no run whose parent, successor or child is still open is ever deleted.
 */
export interface DeleteClosedRunsRequest {
  /** Epoch ms: only trees whose every run closed strictly before this instant. */
  readonly closedBefore: number;
  /** Only trees whose root run has this workflow name (children go with their root). */
  readonly workflowName?: string;
  /** Only trees in this namespace. */
  readonly namespace?: string;
  /**
   * At most this many runs per call (a batch); a tree is never split, so a single tree larger
   * than the limit is deleted alone. In a dry run: the size of the sample.
   */
  readonly limit: number;
  /**
   * Delete nothing: count every run (and row) that calls with the same request would delete
   * until none is left, and list a sample of `limit` of them, oldest close first.
   */
  readonly dryRun?: boolean;
}

/** A run that `deleteClosedRuns` deleted, or would delete. */
export interface ClosedRunSummary {
  readonly runId: string;
  /** The root of its tree (itself for a root run). */
  readonly rootRunId: string;
  readonly namespace: string;
  readonly workflowName: string;
  readonly workflowId: string;
  readonly status: RunStatus;
  readonly finishedAt: number;
}

/** Result of `Journal.deleteClosedRuns`. */
export interface DeleteClosedRunsResult {
  /** Runs deleted (dry run: that would be deleted, over every batch). */
  readonly runs: number;
  /** Run trees deleted (dry run: that would be). */
  readonly trees: number;
  /** History events deleted (dry run: that would be). */
  readonly events: number;
  /** Activity tasks (finished ones: an open task keeps its tree) deleted (dry run: that would be). */
  readonly tasks: number;
  /** Execute: every run deleted by this call. Dry run: the first `limit`, oldest close first. */
  readonly sample: readonly ClosedRunSummary[];
}
