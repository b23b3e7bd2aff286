import { assertNever } from "../model/index.ts";
import type { HistoryEventBody, LifecycleEvent, ResolutionEvent, TerminalCommand } from "../model/index.ts";

/** True for the events that happen to a run and are delivered to its execution. */
export function isResolutionEvent(event: HistoryEventBody): event is ResolutionEvent {
  switch (event.kind) {
    case "activity_completed":
    case "activity_failed":
    case "timer_fired":
    case "signal_received":
    case "cancel_requested":
    case "child_completed":
    case "child_failed":
      return true;
    case "run_started":
    case "run_completed":
    case "run_failed":
    case "run_cancelled":
    case "run_continued":
    case "activity_scheduled":
    case "timer_started":
    case "signal_wait_started":
    case "value_recorded":
    case "child_started":
    case "attributes_set":
      return false;
    default:
      return assertNever(event);
  }
}

/** The lifecycle event that journals a terminal command. */
export function terminalEvent(outcome: TerminalCommand): LifecycleEvent {
  switch (outcome.kind) {
    case "complete_run":
      return { kind: "run_completed", result: outcome.result };
    case "fail_run":
      return { kind: "run_failed", error: outcome.error };
    case "cancel_run":
      return outcome.reason === undefined
        ? { kind: "run_cancelled" }
        : { kind: "run_cancelled", reason: outcome.reason };
    case "continue_as_new":
      // The engine names the successor run when it commits; the execution only says that it continues.
      return outcome.carriedSignals === undefined || outcome.carriedSignals.length === 0
        ? { kind: "run_continued", nextRunId: "", input: outcome.input }
        : {
            kind: "run_continued",
            nextRunId: "",
            input: outcome.input,
            carriedSignals: outcome.carriedSignals,
          };
    default:
      return assertNever(outcome);
  }
}

/** The lifecycle event kind each terminal command is journaled as. */
export const terminalEventKind: Readonly<Record<TerminalCommand["kind"], LifecycleEvent["kind"]>> = {
  complete_run: "run_completed",
  fail_run: "run_failed",
  cancel_run: "run_cancelled",
  continue_as_new: "run_continued",
};
