import { SpanKind, trace, type Attributes, type Context, type Span, type Tracer } from "@opentelemetry/api";
import { parseCursor, type HistoryEvent, type RunRecord } from "@continuum/core";
import { ContinuumAttributes as A, SpanNames } from "./attributes.ts";
import { recordFailure } from "./span-errors.ts";
import { parentContextOf } from "./trace-context-codec.ts";

/** A wait that started at `at` and ends with a later event. */
interface OpenWait {
  readonly name: string;
  readonly at: number;
  readonly attributes: Attributes;
}

/**
 * Emits the spans of one finished run (a chain segment: continue-as-new ends one and its
 * successor gets its own), rebuilt from its journal: the run span from `run_started` to its
 * ending, and under it one span per wait (activity call, compensation, sleep, signal wait,
 * child workflow), each with the journal's own timestamps as start and end. The run span's
 * parent is the trace context stored with the run.
 *
 * Why after the fact: a run may wait thirty days and change engines on the way. A span held
 * open in memory would die with its process and never be exported; the journal keeps every
 * start and end time, so whichever engine ends the run emits the whole tree, exactly once per
 * ending. Returns how many spans were emitted.
 */
export function emitRunSpans(tracer: Tracer, run: RunRecord, history: readonly HistoryEvent[]): number {
  const started = history[0];
  const ending = history.findLast(isEnding);
  if (started?.kind !== "run_started" || ending === undefined) return 0;
  const parent = parentContextOf(run.traceContext);
  const runSpan = tracer.startSpan(
    SpanNames.run(run.workflowName),
    {
      kind: SpanKind.INTERNAL,
      startTime: started.at,
      attributes: {
        [A.namespace]: run.namespace,
        [A.workflowName]: run.workflowName,
        [A.workflowId]: run.workflowId,
        [A.runId]: run.runId,
        ...(run.parentRunId === undefined ? {} : { [A.parentRunId]: run.parentRunId }),
      },
    },
    parent,
  );
  const inRun = trace.setSpan(parent, runSpan);
  const emitted = 1 + emitWaits(tracer, inRun, history, ending.at);
  switch (ending.kind) {
    case "run_completed":
      runSpan.setAttribute(A.runStatus, "completed");
      break;
    case "run_failed":
      runSpan.setAttribute(A.runStatus, "failed");
      recordFailure(runSpan, ending.error, ending.at);
      break;
    case "run_cancelled":
      // A cancellation is an operator's or a parent's decision, not an error of the run.
      runSpan.setAttribute(A.runStatus, "cancelled");
      break;
    case "run_continued":
      runSpan.setAttributes({ [A.runStatus]: "continued", [A.nextRunId]: ending.nextRunId });
      break;
  }
  runSpan.end(ending.at);
  return emitted;
}

type Ending = Extract<
  HistoryEvent,
  { kind: "run_completed" | "run_failed" | "run_cancelled" | "run_continued" }
>;

function isEnding(event: HistoryEvent): event is Ending {
  return (
    event.kind === "run_completed" ||
    event.kind === "run_failed" ||
    event.kind === "run_cancelled" ||
    event.kind === "run_continued"
  );
}

/** `sleep` for sleep()/sleepUntil(); the kind of other journal timers (a `cancellable` scope's timeout). */
function timerName(identity: string): string {
  const kind = parseCursor(identity.slice(0, identity.lastIndexOf("@")))?.kind;
  return kind === undefined || kind === "sleep" || kind === "sleepUntil" ? SpanNames.timer : `timer ${kind}`;
}

/** True for the activity a `compensate()` / `compensateAll()` issued (journaled at its call site). */
function isCompensation(identity: string): boolean {
  const kind = parseCursor(identity.slice(0, identity.lastIndexOf("@")))?.kind;
  return kind === "compensate" || kind === "compensateAll";
}

/** Pairs each wait's start with its end in journal order and emits one span per pair. */
function emitWaits(tracer: Tracer, parent: Context, history: readonly HistoryEvent[], endAt: number): number {
  const open = new Map<string, OpenWait>();
  /** Signal waits by signal name, first waiter first (the mailbox's rule). */
  const waiting = new Map<string, string[]>();
  /** Signals that arrived with nobody waiting: the next wait for the name takes one at once. */
  const buffered = new Map<string, number>();
  let count = 0;
  const end = (identity: string, at: number, extra: Attributes = {}, error?: unknown): void => {
    const wait = open.get(identity);
    if (wait === undefined) return;
    open.delete(identity);
    const span: Span = tracer.startSpan(
      wait.name,
      { kind: SpanKind.INTERNAL, startTime: wait.at, attributes: { ...wait.attributes, ...extra } },
      parent,
    );
    if (error !== undefined) recordFailure(span, error, at);
    span.end(at);
    count += 1;
  };
  for (const event of history) {
    switch (event.kind) {
      case "activity_scheduled": {
        const compensation = isCompensation(event.identity);
        open.set(event.identity, {
          name: compensation
            ? SpanNames.compensation(event.activityName)
            : SpanNames.activityCall(event.activityName),
          at: event.at,
          attributes: {
            [A.activityName]: event.activityName,
            [A.effectIdentity]: event.identity,
            ...(compensation ? { [A.compensation]: true } : {}),
          },
        });
        break;
      }
      case "activity_completed":
        end(event.identity, event.at, { [A.activityAttempts]: event.attempts });
        break;
      case "activity_failed":
        end(event.identity, event.at, { [A.activityAttempts]: event.attempts }, event.error);
        break;
      case "timer_started":
        open.set(event.identity, {
          name: timerName(event.identity),
          at: event.at,
          attributes: {
            [A.effectIdentity]: event.identity,
            ...(event.delayMs === undefined ? {} : { [A.timerDelayMs]: event.delayMs }),
          },
        });
        break;
      case "timer_fired":
        if (open.get(event.identity)?.attributes[A.signalName] !== undefined) {
          dequeue(waiting, open.get(event.identity)?.attributes[A.signalName] as string, event.identity);
          end(event.identity, event.at, { [A.signalTimedOut]: true });
        } else end(event.identity, event.at);
        break;
      case "signal_wait_started": {
        open.set(event.identity, {
          name: SpanNames.signal(event.name),
          at: event.at,
          attributes: { [A.effectIdentity]: event.identity, [A.signalName]: event.name },
        });
        const ready = buffered.get(event.name) ?? 0;
        if (ready > 0) {
          buffered.set(event.name, ready - 1);
          end(event.identity, event.at);
        } else waiting.set(event.name, [...(waiting.get(event.name) ?? []), event.identity]);
        break;
      }
      case "signal_received": {
        const first = waiting.get(event.name)?.[0];
        if (first === undefined) buffered.set(event.name, (buffered.get(event.name) ?? 0) + 1);
        else {
          dequeue(waiting, event.name, first);
          end(first, event.at);
        }
        break;
      }
      case "child_started":
        open.set(event.identity, {
          name: SpanNames.child(event.workflowName),
          at: event.at,
          attributes: {
            [A.effectIdentity]: event.identity,
            [A.childWorkflowName]: event.workflowName,
            [A.childWorkflowId]: event.workflowId,
            ...(event.runId === undefined ? {} : { [A.childRunId]: event.runId }),
          },
        });
        break;
      case "child_completed":
        end(event.identity, event.at);
        break;
      case "child_failed":
        end(event.identity, event.at, {}, event.error);
        break;
      default:
        break;
    }
  }
  // Still open when the run ended: fire-and-forget calls, waits a cancellation cut short.
  for (const identity of [...open.keys()]) end(identity, endAt, { [A.unfinished]: true });
  return count;
}

function dequeue(waiting: Map<string, string[]>, name: string, identity: string): void {
  const queue = waiting.get(name);
  if (queue !== undefined)
    waiting.set(
      name,
      queue.filter((id) => id !== identity),
    );
}
