import { createClient } from "../client/create-client.ts";
import { RunNotFoundError } from "../errors/journal-errors.ts";
import { OperatorUnsupportedError } from "../errors/operator-errors.ts";
import type {
  Journal,
  JournalAdmin,
  OperatorActionInput,
  OperatorActionKind,
  OperatorActionRecord,
  OperatorOrigin,
  RepairItem,
  RetryRunResult,
  RunRecord,
} from "../journal/journal.ts";
import { auditError } from "../journal/journal-admin.ts";
import type { Encoded } from "../model/payload.ts";
import { checkJournalOption } from "../validation/journal-option.ts";
import { IdentifierKind, checkFreeText, checkIdentifier } from "../validation/identifier.ts";
import { encodeWithinLimit } from "../validation/payload-size.ts";
import { checkRepairItems, checkRepairRequest, type Operator, type OperatorOptions } from "./operator.ts";

/**
 * Operator actions on runs, each recorded in the journal's audit log (who, what, on which run,
 * with which parameters, from where, when, and how it ended): cancel, terminate, signal, retry
 * from the failure, and fenced repairs of health findings. The CLI and the Observer call this;
 * so may an app's own admin endpoints. A change and its audit entry commit in one transaction;
 * an action that fails or is refused writes nothing but its entry (outcome "failed", the
 * error's code and message), appended right after.
 *
 * Parameters never hold secrets or payloads: a signal's entry has its name and payload size,
 * not its payload.
 *
 * @example
 * ```ts
 * const operator = createOperator({ journal, actor: "ann@example.com", origin: { via: "admin-api", ip } });
 * await operator.terminate(runId, { reason: "stuck on a removed version" });
 * const { run } = await operator.retry(failedRunId); // after the activity was fixed
 * const plan = await operator.planRepair({ kind: "overdue-timers" });
 * const { applied, skipped } = await operator.repair(plan);
 * const { entries } = await operator.auditLog({ runId });
 * ```
 */
export function createOperator(options: OperatorOptions): Operator {
  const journal = checkJournalOption((options as Partial<OperatorOptions> | undefined)?.journal);
  const actor = checkFreeText(options.actor, "the operator's actor", 256);
  if (actor.trim().length === 0) checkIdentifier(IdentifierKind.name, "", "the operator's actor");
  const origin: OperatorOrigin = { ...options.origin };
  const admin = (operation: string): JournalAdmin => {
    if (journal.admin === undefined) throw new OperatorUnsupportedError(operation);
    return journal.admin;
  };

  // Runs `work` audited; a failure is recorded on its own, then rethrown unchanged.
  async function act<T>(
    action: OperatorActionKind,
    target: { run?: RunRecord; runId?: string },
    parameters: Record<string, Encoded>,
    work: (journal: Journal) => Promise<T>,
    result: (value: T) => Record<string, Encoded> | undefined = () => undefined,
  ): Promise<T> {
    const port = admin(action);
    const base: Omit<OperatorActionInput, "outcome"> = {
      actor,
      action,
      origin,
      parameters,
      ...(target.run === undefined
        ? target.runId === undefined
          ? {}
          : { runId: target.runId }
        : { runId: target.run.runId, workflowId: target.run.workflowId, namespace: target.run.namespace }),
    };
    try {
      const { value } = await port.audited(work, (value) => {
        const produced = result(value);
        return { ...base, outcome: "succeeded", ...(produced === undefined ? {} : { result: produced }) };
      });
      return value;
    } catch (error) {
      await port.appendOperatorAction({ ...base, outcome: "failed", error: auditError(error) });
      throw error;
    }
  }

  async function runOf(action: OperatorActionKind, runId: string): Promise<RunRecord> {
    checkIdentifier(IdentifierKind.id, runId, "run id");
    const run = await journal.getRun(runId);
    if (run === undefined) {
      const error = new RunNotFoundError(runId);
      await admin("lookup").appendOperatorAction({
        actor,
        action,
        origin,
        runId,
        parameters: {},
        outcome: "failed",
        error: auditError(error),
      });
      throw error;
    }
    return run;
  }

  const reasonOf = (reason: string | undefined): { reason?: string } =>
    reason === undefined ? {} : { reason: checkFreeText(reason, "reason") };
  const asParameters = (reason: { reason?: string }): Record<string, Encoded> =>
    reason.reason === undefined ? {} : { reason: reason.reason };

  return {
    actor,
    async cancel(runId, opts = {}) {
      const run = await runOf("cancel", runId);
      const reason = reasonOf(opts.reason);
      await act("cancel", { run }, asParameters(reason), (bound) =>
        createClient({ journal: bound, namespace: run.namespace }).cancel(run.runId, reason),
      );
    },
    async terminate(runId, opts = {}) {
      const run = await runOf("terminate", runId);
      const reason = reasonOf(opts.reason);
      await act("terminate", { run }, asParameters(reason), (bound) =>
        createClient({ journal: bound, namespace: run.namespace }).cancel(run.runId, {
          ...reason,
          force: true,
        }),
      );
    },
    async signal(runId, name, payload, opts = {}) {
      const run = await runOf("signal", runId);
      checkIdentifier(IdentifierKind.name, name, "signal name");
      const size =
        payload === undefined ? 0 : JSON.stringify(encodeWithinLimit(payload, "signal payload")).length;
      const parameters: Record<string, Encoded> = {
        name,
        payloadBytes: size,
        ...(opts.deliveryId === undefined ? {} : { deliveryId: opts.deliveryId }),
      };
      return act(
        "signal",
        { run },
        parameters,
        (bound) =>
          createClient({ journal: bound, namespace: run.namespace }).signal(run.runId, name, payload, {
            dynamic: true,
            ...(opts.deliveryId === undefined ? {} : { deliveryId: opts.deliveryId }),
          }),
        ({ accepted }) => ({ accepted }),
      );
    },
    async retry(runId, opts = {}): Promise<RetryRunResult> {
      const run = await runOf("retry", runId);
      const parameters: Record<string, Encoded> =
        opts.versionHash === undefined ? {} : { versionHash: opts.versionHash };
      return act(
        "retry",
        { run },
        parameters,
        (bound) =>
          (bound.admin ?? admin("retry")).retryRun({
            runId: run.runId,
            ...(opts.versionHash === undefined ? {} : { versionHash: opts.versionHash }),
          }),
        (done) => ({
          newRunId: done.run.runId,
          copiedEvents: done.copiedEvents,
          rescheduled: [...done.rescheduled],
          carriedSignals: done.carriedSignals,
        }),
      );
    },
    planRepair(request) {
      return admin("planRepair").planRepair(checkRepairRequest(request));
    },
    async repair(plan: readonly RepairItem[]) {
      const items = checkRepairItems(plan);
      const kinds = [...new Set(items.map((item) => item.kind))];
      return act(
        "repair",
        {},
        { kinds, items: items.length },
        (bound) => (bound.admin ?? admin("repair")).executeRepair(items),
        (done) => ({
          applied: done.applied.length,
          skipped: done.skipped.length,
          appliedRuns: [...new Set(done.applied.map((item) => item.runId))].slice(0, 100),
        }),
      );
    },
    auditLog(request = {}): Promise<{ entries: readonly OperatorActionRecord[]; next?: number }> {
      return admin("auditLog").listOperatorActions(request);
    },
  };
}
