import type { RunFilter, StartConflictPolicy } from "../journal/journal.ts";
import { InvalidEngineOptionError } from "../errors/engine-errors.ts";
import { InvalidNumberError } from "../errors/validation-errors.ts";
import { RunStatus } from "../model/run-status.ts";
import { checkAttributeQuery, checkRunOrder, decodeAttributeCursor } from "../validation/attribute-query.ts";
import {
  IdentifierKind,
  Limits,
  checkAttributes,
  checkIdentifier,
  checkNumber,
  checkOptionalIdentifier,
  checkPageRequest,
  describeValue,
} from "../validation/index.ts";

// The client's side of the validation layer: every argument a caller passes is checked here,
// before the first journal call, so a refusal changes nothing stored and no driver error
// (22021, 22P05, 54000) can reach the caller.

const statuses: ReadonlySet<string> = new Set(Object.values(RunStatus));
const conflictPolicies: ReadonlySet<string> = new Set<StartConflictPolicy>(["return", "fail"]);

/** A run id passed to signal, cancel, result, describe, history. */
export function checkRunId(runId: unknown): string {
  return checkIdentifier(IdentifierKind.id, runId, "run id");
}

/** `start()` options: the workflow id, attributes and conflict policy. */
export function checkStartOptions(options: unknown): void {
  if (typeof options !== "object" || options === null)
    throw new InvalidEngineOptionError("start options", describeValue(options), "an object or nothing");
  const { id, attributes, onConflict, startAt, startDelay } = options as Record<string, unknown>;
  if (startAt !== undefined && startDelay !== undefined)
    throw new InvalidEngineOptionError("startAt", "startAt and startDelay", "one of startAt and startDelay");
  if (startAt !== undefined) {
    const ms = startAt instanceof Date ? startAt.getTime() : startAt;
    checkNumber(ms, "startAt", { min: 0, max: 8_640_000_000_000_000 });
  }
  if (startDelay !== undefined)
    checkNumber(startDelay, "startDelay", { min: 0, max: Limits.maxTimerMs * 1_000 });
  checkOptionalIdentifier(IdentifierKind.id, id, "workflow id");
  if (attributes !== undefined) checkAttributes(attributes);
  if (onConflict !== undefined && !(typeof onConflict === "string" && conflictPolicies.has(onConflict)))
    throw new InvalidEngineOptionError("onConflict", describeValue(onConflict), '"return" or "fail"');
}

/** `signal()`: the signal name and the delivery id. */
export function checkSignalArguments(name: unknown, options: unknown): void {
  checkIdentifier(IdentifierKind.name, name, "signal name");
  if (typeof options !== "object" || options === null)
    throw new InvalidEngineOptionError("signal options", describeValue(options), "an object or nothing");
  checkOptionalIdentifier(IdentifierKind.id, (options as { deliveryId?: unknown }).deliveryId, "delivery id");
}

/** `result()` / `await()` options: a finite, non-negative timeout. */
export function checkResultOptions(options: unknown): number | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null)
    throw new InvalidNumberError("result options", describeValue(options), "{ timeoutMs } or nothing");
  const { timeoutMs } = options as { timeoutMs?: unknown };
  if (timeoutMs === undefined) return undefined;
  return checkNumber(timeoutMs, "timeoutMs", { min: 0, max: Limits.maxWaitMs });
}

/** `list()` filter: every field's type, range and charset, the page size and the cursor. */
export function checkRunFilter(filter: unknown): RunFilter {
  if (typeof filter !== "object" || filter === null)
    throw new InvalidEngineOptionError("list filter", describeValue(filter), "an object or nothing");
  const f = filter as Record<string, unknown>;
  checkOptionalIdentifier(IdentifierKind.namespace, f.namespace, "namespace");
  checkOptionalIdentifier(IdentifierKind.name, f.workflowName, "workflow name");
  checkOptionalIdentifier(IdentifierKind.id, f.parentRunId, "parent run id");
  if (f.status !== undefined) {
    const list: unknown[] = Array.isArray(f.status) ? f.status : [f.status];
    for (const status of list)
      if (!(typeof status === "string" && statuses.has(status)))
        throw new InvalidEngineOptionError(
          "status",
          describeValue(status),
          `one of ${[...statuses].join(", ")} (or a list of them)`,
        );
  }
  if (f.attributes !== undefined) checkAttributes(f.attributes);
  if (f.where !== undefined) checkAttributeQuery(f.where);
  const orderBy = f.orderBy === undefined ? undefined : checkRunOrder(f.orderBy);
  if (orderBy?.by === "attribute") {
    // An attribute order's cursor holds the sort value: checked by decoding it.
    checkPageRequest(f.limit, undefined);
    if (f.after !== undefined)
      decodeAttributeCursor(typeof f.after === "string" ? f.after : describeValue(f.after));
  } else checkPageRequest(f.limit, f.after);
  return filter as RunFilter;
}
