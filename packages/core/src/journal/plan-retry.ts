import { RunNotRetryableError } from "../errors/operator-errors.ts";
import type { EffectIdentity, HistoryEvent, ResolutionEvent } from "../model/index.ts";
import type { NewTask } from "./journal-types.ts";
import type { RunRecord } from "./journal-types.ts";

/** A timer open at the failure point, with its absolute fire time. */
export interface RetryTimer {
  readonly identity: EffectIdentity;
  readonly fireAt: number;
}

/** What a retry copies and re-creates; both adapters apply it in one transaction. */
export interface RetryPlan {
  /** Events 1..point-1 of the failed run, verbatim. */
  readonly events: readonly HistoryEvent[];
  readonly tasks: readonly NewTask[];
  readonly timers: readonly RetryTimer[];
  /** Signals received after the point, in their order (they go to the new run's inbox). */
  readonly signals: readonly ResolutionEvent[];
}

/**
 * Decides what retrying a failed run copies (see JournalAdmin.retryRun). Why cut there: a
 * resolution event is where the live execution was between two deliveries, so the events
 * before it are a history the workflow has been in; cutting before the last activity failure
 * puts the run back at the moment that failure was about to be delivered, with the call still
 * open. Commands the code issued after that point are issued again by the replay.
 */
export function planRetry(run: RunRecord, history: readonly HistoryEvent[]): RetryPlan {
  if (run.status !== "failed")
    throw new RunNotRetryableError(run.runId, "not_failed", `its status is ${run.status}, not failed`);
  if (run.parentRunId !== undefined)
    throw new RunNotRetryableError(run.runId, "has_parent", `it is a child of run ${run.parentRunId}`);
  let point = history.findLastIndex((e) => e.kind === "activity_failed");
  if (point < 0) point = history.findLastIndex((e) => e.kind === "run_failed");
  if (point < 1) point = history.length;
  const events = history.slice(0, point);
  const scheduled = new Map<string, NewTask>();
  const timers = new Map<string, RetryTimer>();
  const children = new Set<string>();
  for (const event of events) {
    switch (event.kind) {
      case "activity_scheduled":
        scheduled.set(event.identity, {
          identity: event.identity,
          activityName: event.activityName,
          args: event.args,
          options: event.options,
        });
        break;
      case "activity_completed":
      case "activity_failed":
        scheduled.delete(event.identity);
        break;
      case "timer_started":
        timers.set(event.identity, {
          identity: event.identity,
          fireAt: event.until ?? event.at + (event.delayMs ?? 0),
        });
        break;
      case "signal_wait_started":
        if (event.timeoutMs !== undefined)
          timers.set(event.identity, { identity: event.identity, fireAt: event.at + event.timeoutMs });
        break;
      case "timer_fired":
        timers.delete(event.identity);
        break;
      case "signal_received":
        // A signal wait with a timeout is settled by its signal; the engine cancels its timer.
        break;
      case "child_started":
        children.add(event.identity);
        break;
      case "child_completed":
      case "child_failed":
        children.delete(event.identity);
        break;
      default:
        break;
    }
  }
  if (children.size > 0)
    throw new RunNotRetryableError(
      run.runId,
      "open_child",
      `child ${[...children][0]} was still open at the failure point (event ${point + 1})`,
    );
  settleSignalTimeouts(events, timers);
  const signals = history
    .slice(point)
    .filter((e): e is HistoryEvent & ResolutionEvent => e.kind === "signal_received")
    .map(({ seq: _seq, at: _at, ...body }) => body as ResolutionEvent);
  return { events, tasks: [...scheduled.values()], timers: [...timers.values()], signals };
}

// A signal wait whose signal arrived has no timer any more: the first wait per name (in journal
// order) takes each received signal, as the mailbox does.
function settleSignalTimeouts(events: readonly HistoryEvent[], timers: Map<string, RetryTimer>): void {
  const waits: { name: string; identity: string; settled: boolean }[] = [];
  let received: string[] = [];
  for (const event of events) {
    if (event.kind === "signal_wait_started")
      waits.push({ name: event.name, identity: event.identity, settled: false });
    if (event.kind === "signal_received") received.push(event.name);
    if (event.kind === "timer_fired") {
      const wait = waits.find((w) => w.identity === event.identity);
      if (wait !== undefined) wait.settled = true;
    }
    received = received.filter((name) => {
      const wait = waits.find((w) => !w.settled && w.name === name);
      if (wait === undefined) return true;
      wait.settled = true;
      timers.delete(wait.identity);
      return false;
    });
  }
}
