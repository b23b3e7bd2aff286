import { InvalidIdentifierError } from "../errors/validation-errors.ts";
import type {
  Journal,
  OperatorActionPage,
  OperatorActionPageRequest,
  OperatorOrigin,
  RepairItem,
  RepairPlanRequest,
  RepairResult,
  RetryRunResult,
} from "../journal/journal.ts";
import { repairKinds } from "../journal/journal-admin.ts";
import { describeValue } from "../validation/text.ts";

/** Options of `createOperator`. */
export interface OperatorOptions {
  readonly journal: Journal;
  /** Who acts: a user name or email the host authenticated (the CLI: `--actor` or the OS user). */
  readonly actor: string;
  /** Where the actions come from, as the host knows it (recorded as given). */
  readonly origin?: OperatorOrigin;
}

/** Options of a cancellation or termination. */
export interface OperatorCancelOptions {
  /** Why; recorded in the run's history and in the audit log. */
  readonly reason?: string;
}

/**
 * Operator actions, each recorded in the audit log; see `createOperator`. Every method throws
 * what the underlying action throws (RunNotFoundError, RunFinishedError, RunNotRetryableError,
 * validation errors) after recording the failure.
 */
export interface Operator {
  readonly actor: string;
  /** Asks the run to cancel: its code handles the cancellation (compensations run). */
  cancel(runId: string, options?: OperatorCancelOptions): Promise<void>;
  /**
   * Terminates the run: it ends as cancelled at its next step without running any more of its
   * code (no compensations); at once when no engine holds it.
   */
  terminate(runId: string, options?: OperatorCancelOptions): Promise<void>;
  /** Sends a signal (payload: any JSON-safe value); the audit entry keeps its name and size only. */
  signal(
    runId: string,
    name: string,
    payload?: unknown,
    options?: { readonly deliveryId?: string },
  ): Promise<{ accepted: boolean }>;
  /**
   * Retries a failed run from its failure as a new run of the same workflow id; see
   * JournalAdmin.retryRun for exactly what is copied and what runs again.
   */
  retry(runId: string, options?: { readonly versionHash?: string }): Promise<RetryRunResult>;
  /** The dry run of a repair: what it would change now. Read-only, not audited. */
  planRepair(request: RepairPlanRequest): Promise<RepairItem[]>;
  /** Executes exactly `plan` (from planRepair), fenced: rows changed since are skipped and reported. */
  repair(plan: readonly RepairItem[]): Promise<RepairResult>;
  /** A page of the audit log, newest first: everything, or one run's entries. */
  auditLog(request?: OperatorActionPageRequest): Promise<OperatorActionPage>;
}

/** A repair plan request with a known kind. */
export function checkRepairRequest(request: RepairPlanRequest): RepairPlanRequest {
  if (
    !(repairKinds as readonly string[]).includes(
      (request as Partial<RepairPlanRequest> | undefined)?.kind as string,
    )
  )
    throw new InvalidIdentifierError(
      "repair kind",
      `must be one of ${repairKinds.join(", ")}`,
      describeValue((request as Partial<RepairPlanRequest> | undefined)?.kind),
      `pass one of ${repairKinds.join(", ")}`,
    );
  return request;
}

/**
 * A plan as planRepair returns it, checked field by field: a plan may come back from a browser
 * or a file, and only these shapes are ever executed.
 */
export function checkRepairItems(plan: unknown): RepairItem[] {
  if (!Array.isArray(plan)) throw bad("must be an array of repair items", plan);
  return plan.map((item: unknown): RepairItem => {
    const o = item as Record<string, unknown> | null;
    const str = (k: string) => typeof o?.[k] === "string" && (o[k] as string).length > 0;
    const num = (k: string) => typeof o?.[k] === "number" && Number.isFinite(o[k]);
    if (o !== null && typeof o === "object" && str("runId")) {
      if (o.kind === "release_lease" && num("fencingToken") && str("leaseOwner") && num("leaseExpiresAt"))
        return {
          kind: o.kind,
          runId: o.runId as string,
          fencingToken: o.fencingToken as number,
          leaseOwner: o.leaseOwner as string,
          leaseExpiresAt: o.leaseExpiresAt as number,
        };
      if (o.kind === "mark_ready" && num("lastSeq") && num("updatedAt"))
        return {
          kind: o.kind,
          runId: o.runId as string,
          lastSeq: o.lastSeq as number,
          updatedAt: o.updatedAt as number,
        };
      if (o.kind === "fire_timer" && str("identity") && num("fireAt"))
        return {
          kind: o.kind,
          runId: o.runId as string,
          identity: o.identity as string,
          fireAt: o.fireAt as number,
        };
    }
    throw bad("has an item that is not a repair item of planRepair", item);
  });
}

function bad(problem: string, value: unknown): InvalidIdentifierError {
  return new InvalidIdentifierError(
    "repair plan",
    problem,
    describeValue(value),
    "pass the plan planRepair returned (or the `items` of `continuum repair --json`), unchanged",
  );
}
