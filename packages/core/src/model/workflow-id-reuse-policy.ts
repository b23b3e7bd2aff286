import { assertNever } from "./history-event.ts";
import type { RunStatus } from "./run-status.ts";

/**
 * When a start may reuse a workflow id that a run already holds (Temporal's
 * WorkflowIdReusePolicy). Whatever the policy, at most one run with an id is open at a time; the
 * policy says what may follow a closed one.
 */
export const WorkflowIdReusePolicy = {
  /** Default: the id starts a new run once every earlier run with it has closed (any outcome). */
  allowAfterClosed: "allowAfterClosed",
  /** A new run only after the latest run with the id failed or was cancelled (not after a success). */
  allowAfterFailed: "allowAfterFailed",
  /** Never: while any run with the id exists, a start finds (or fails on) that run. */
  reject: "reject",
  /** A run still open with the id is terminated (ended as cancelled, no more code runs), then the new run starts. */
  terminateExisting: "terminateExisting",
} as const;
/** One of {@link WorkflowIdReusePolicy}. */
export type WorkflowIdReusePolicy = (typeof WorkflowIdReusePolicy)[keyof typeof WorkflowIdReusePolicy];

/** The policy a start uses when neither the call nor the workflow definition names one. */
export const defaultWorkflowIdReusePolicy: WorkflowIdReusePolicy = WorkflowIdReusePolicy.allowAfterClosed;

/** True when `value` is one of the policies. */
export function isWorkflowIdReusePolicy(value: unknown): value is WorkflowIdReusePolicy {
  return typeof value === "string" && Object.hasOwn(WorkflowIdReusePolicy, value);
}

/** What a start does given the latest run holding its id. */
export type WorkflowIdReuseDecision =
  | { readonly kind: "start" }
  /** The latest run is open and the policy terminates it before starting. */
  | { readonly kind: "terminateThenStart" }
  /** The id is not free for this policy: the start finds the latest run (or fails on it). */
  | { readonly kind: "conflict" };

/**
 * Decides a start by the status of the latest run with its id (undefined: the id was never
 * used). Every journal decides with this one function, so they cannot disagree.
 */
export function decideWorkflowIdReuse(
  policy: WorkflowIdReusePolicy,
  latest: RunStatus | undefined,
): WorkflowIdReuseDecision {
  if (latest === undefined) return { kind: "start" };
  const open = latest === "running" || latest === "stuck_unknown_version";
  switch (policy) {
    case "allowAfterClosed":
      return open ? { kind: "conflict" } : { kind: "start" };
    case "allowAfterFailed":
      return !open && (latest === "failed" || latest === "cancelled")
        ? { kind: "start" }
        : { kind: "conflict" };
    case "reject":
      return { kind: "conflict" };
    case "terminateExisting":
      return open ? { kind: "terminateThenStart" } : { kind: "start" };
    default:
      // the client and the workflow API validate policies; this guards direct journal callers
      return assertNever(policy);
  }
}
