import { serializeError } from "../codec/index.ts";
import { RunAlreadyExistsError } from "../errors/journal-errors.ts";
import { CancelledError } from "../errors/workflow-errors.ts";
import type { HistoryEventBody, ResolutionEvent } from "../model/index.ts";
import type { StepCommit } from "./journal.ts";

/**
 * The resolutions that composition moves between runs, built the same way by every adapter:
 * a child's outcome for its parent, a taken child id, a parent's cancellation of its
 * children, and the signals a continued run hands to its successor.
 */

/**
 * What a child's final commit delivers to its parent (`undefined` while it runs on, or when it
 * continues as new: its successor keeps the link and reports instead).
 */
export function childOutcomeEvent(
  identity: string,
  run: StepCommit["run"],
  events: readonly HistoryEventBody[],
): ResolutionEvent | undefined {
  switch (run.status) {
    case "completed":
      return { kind: "child_completed", identity, result: run.result ?? null };
    case "failed":
      return {
        kind: "child_failed",
        identity,
        error: run.error ?? { name: "Error", message: "the child run failed without a recorded error" },
      };
    case "cancelled": {
      const ended = events.find((event) => event.kind === "run_cancelled");
      const reason = ended?.kind === "run_cancelled" ? ended.reason : undefined;
      return { kind: "child_failed", identity, error: plain(serializeError(new CancelledError(reason))) };
    }
    default:
      return undefined;
  }
}

/** What the parent receives instead of a child whose workflow id was already taken. */
export function childIdTakenEvent(
  identity: string,
  workflowId: string,
  existingRunId: string,
): ResolutionEvent {
  return {
    kind: "child_failed",
    identity,
    error: plain(serializeError(new RunAlreadyExistsError(workflowId, existingRunId))),
  };
}

/** The cancellation a parent's end sends to its children with policy "cancel". */
export function parentClosedEvent(parentRunId: string, status: string): ResolutionEvent {
  return { kind: "cancel_requested", reason: `parent run ${parentRunId} ended (${status})` };
}

/** The signals a run that continues as new hands over in its run_continued event, as inbox events. */
export function carriedSignalEvents(events: readonly HistoryEventBody[]): ResolutionEvent[] {
  const continued = events.find((event) => event.kind === "run_continued");
  if (continued?.kind !== "run_continued") return [];
  return (continued.carriedSignals ?? []).map((signal) => ({
    kind: "signal_received",
    name: signal.name,
    payload: signal.payload,
    ...(signal.deliveryId === undefined ? {} : { deliveryId: signal.deliveryId }),
  }));
}

/** Plain JSON (no undefined fields): journals store it as is. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
