import { context, SpanKind, trace, type Span, type Tracer } from "@opentelemetry/api";
import type {
  ActivityContext,
  ActivityTimedOutEvent,
  ChildRunStart,
  StartCall,
  StartedRun,
  StepCommittedEvent,
  TraceContext,
} from "@continuum/core";
import { ContinuumAttributes as A, SpanNames } from "./attributes.ts";
import { recordFailure } from "./span-errors.ts";
import { parentContextOf, traceContextOf } from "./trace-context-codec.ts";

// Spans made while the work happens, in the process doing it: each starts and ends within one
// call, so a crash loses at most the span of the work it interrupted (as for any service).

/**
 * `client.start`: a PRODUCER span under the caller's active span; its context is what the run
 * stores, so every span of the run, on any engine, descends from it.
 */
export async function tracedStart(
  tracer: Tracer,
  call: StartCall,
  next: (traceContext?: TraceContext) => Promise<StartedRun>,
): Promise<StartedRun> {
  const span = tracer.startSpan(SpanNames.start(call.workflowName), {
    kind: SpanKind.PRODUCER,
    attributes: {
      [A.namespace]: call.namespace,
      [A.workflowName]: call.workflowName,
      ...(call.workflowId === undefined ? {} : { [A.workflowId]: call.workflowId }),
    },
  });
  try {
    const started = await next(traceContextOf(span.spanContext()));
    span.setAttributes({
      [A.runId]: started.runId,
      [A.workflowId]: started.workflowId,
      [A.runCreated]: started.created,
    });
    return started;
  } catch (error) {
    recordFailure(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * A child run's trace context: a PRODUCER span `start_child_workflow` under the parent run's
 * context, ended at once (the child's own spans follow under it, wherever the child runs).
 */
export function childStartContext(tracer: Tracer, child: ChildRunStart): TraceContext | undefined {
  const span = tracer.startSpan(
    SpanNames.startChild(child.childWorkflowName),
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        [A.workflowName]: child.parentWorkflowName,
        [A.runId]: child.parentRunId,
        [A.childWorkflowName]: child.childWorkflowName,
        [A.childWorkflowId]: child.childWorkflowId,
        [A.childRunId]: child.childRunId,
      },
    },
    parentContextOf(child.parentTraceContext),
  );
  span.end();
  return traceContextOf(span.spanContext()) ?? child.parentTraceContext;
}

/**
 * A committed workflow step (a "workflow task"): its span ends now and started `durationMs`
 * ago, under the run's context. A replay that rebuilt the execution first is on it as
 * attributes (`replayMs`).
 */
export function stepSpan(
  tracer: Tracer,
  event: StepCommittedEvent,
  replay?: { readonly durationMs: number; readonly historyLength: number },
): void {
  const end = Date.now();
  const span = tracer.startSpan(
    SpanNames.step(event.workflowName),
    {
      kind: SpanKind.INTERNAL,
      startTime: end - event.durationMs,
      attributes: {
        [A.workflowName]: event.workflowName,
        [A.runId]: event.runId,
        [A.stepCached]: event.cached,
        [A.stepEventCount]: event.eventCount,
        [A.stepDeliveredCount]: event.deliveredCount,
        ...(replay === undefined
          ? {}
          : {
              "continuum.replay.duration_ms": replay.durationMs,
              "continuum.replay.history_length": replay.historyLength,
            }),
      },
    },
    parentContextOf(event.traceContext),
  );
  span.end(end);
}

/**
 * Activity attempts: each runs inside its span (made the active context, so that the HTTP and
 * database spans the activity makes nest under it), whose parent is the run's trace context.
 */
export interface AttemptSpans {
  /** The `Instrumentation.activity` hook. */
  around(attempt: ActivityContext, next: () => Promise<unknown>): Promise<unknown>;
  /** The engine stopped waiting for an attempt (timeout): its span ends now, failed. */
  timedOut(event: ActivityTimedOutEvent): void;
}

/** Creates {@link AttemptSpans}; `onSettled` hears each attempt's duration and error (metrics). */
export function createAttemptSpans(
  tracer: Tracer,
  onSettled: (attempt: ActivityContext, durationMs: number, error?: unknown) => void,
): AttemptSpans {
  const open = new Map<string, Span>();
  const keyOf = (e: { taskId: string; attempt: number }): string => `${e.taskId}#${e.attempt}`;
  return {
    async around(attempt, next) {
      const parent = parentContextOf(attempt.traceContext);
      const span = tracer.startSpan(
        SpanNames.activityAttempt(attempt.activityName),
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            [A.activityName]: attempt.activityName,
            [A.activityAttempt]: attempt.attempt,
            [A.runId]: attempt.runId,
            [A.taskId]: attempt.taskId,
            [A.effectIdentity]: attempt.identity,
          },
        },
        parent,
      );
      const key = keyOf(attempt);
      open.set(key, span);
      const startedAt = performance.now();
      try {
        const value = await context.with(trace.setSpan(parent, span), next);
        onSettled(attempt, performance.now() - startedAt);
        return value;
      } catch (error) {
        onSettled(attempt, performance.now() - startedAt, error);
        if (open.get(key) === span) recordFailure(span, error);
        throw error;
      } finally {
        if (open.get(key) === span) {
          open.delete(key);
          span.end();
        }
      }
    },
    timedOut(event) {
      const key = keyOf(event);
      const span = open.get(key);
      if (span === undefined) return;
      open.delete(key);
      span.setAttribute(A.activityOutcome, "timed_out");
      recordFailure(span, {
        name: "ActivityTimeoutError",
        message: `${event.kind} timeout of ${event.timeoutMs} ms`,
      });
      span.end();
    },
  };
}
