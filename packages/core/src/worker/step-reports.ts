import type { StepCommit } from "../journal/journal.ts";
import type { ResolutionEvent, TraceContext } from "../model/index.ts";
import type { ExecutionStepResult } from "../replay/execution-contract.ts";
import { emitEvent, type EngineEventEmitter } from "./engine-events.ts";

// What a committed step tells the engine's listeners, in the order it happened (see EngineEvents).

/** Emits the events of one committed step: inbox deliveries, the commands it issued, the step, the run's end. */
export function reportCommitted(
  events: EngineEventEmitter,
  runId: string,
  workflowName: string,
  inbox: readonly ResolutionEvent[],
  result: ExecutionStepResult,
  lastSeq: number,
  cached: boolean,
  durationMs: number,
  runTiming?: { readonly createdAt: number; readonly now: number },
  traceContext?: TraceContext,
): void {
  for (const event of inbox) {
    if (event.kind === "timer_fired") emitEvent(events, "timer.fired", { runId, identity: event.identity });
    else if (event.kind === "child_completed")
      emitEvent(events, "child.completed", { runId, identity: event.identity });
    else if (event.kind === "child_failed")
      emitEvent(events, "child.failed", { runId, identity: event.identity, error: event.error });
    else if (event.kind === "signal_received") {
      emitEvent(events, "signal.received", {
        runId,
        name: event.name,
        ...(event.deliveryId === undefined ? {} : { deliveryId: event.deliveryId }),
      });
    }
  }
  const issued = { activities: 0, timers: 0, signals: 0, children: 0 };
  for (const command of result.commands) {
    if (command.kind === "activity_scheduled") {
      issued.activities++;
      emitEvent(events, "activity.scheduled", {
        runId,
        identity: command.identity,
        activityName: command.activityName,
      });
      if (isCompensation(command.identity))
        emitEvent(events, "compensation.scheduled", {
          runId,
          identity: command.identity,
          activityName: command.activityName,
        });
    } else if (command.kind === "child_started") {
      issued.children++;
    } else if (command.kind === "timer_started") {
      issued.timers++;
      emitEvent(events, "timer.set", {
        runId,
        identity: command.identity,
        ...(command.delayMs === undefined ? {} : { delayMs: command.delayMs }),
        ...(command.until === undefined ? {} : { until: command.until }),
      });
    } else if (command.kind === "signal_wait_started") {
      issued.signals++;
      emitEvent(events, "signal.awaited", {
        runId,
        identity: command.identity,
        name: command.name,
        ...(command.timeoutMs === undefined ? {} : { timeoutMs: command.timeoutMs }),
      });
      if (command.timeoutMs !== undefined)
        emitEvent(events, "timer.set", { runId, identity: command.identity, delayMs: command.timeoutMs });
    }
  }
  // Recorded only by live code, so a replay never reports a patch again.
  for (const event of result.events) {
    if (event.kind === "value_recorded" && event.identity.startsWith("patched:"))
      emitEvent(events, "patched.hit", { runId, identity: event.identity, patchId: String(event.value) });
  }
  emitEvent(events, "step.committed", {
    runId,
    workflowName,
    lastSeq,
    eventCount: result.events.length,
    deliveredCount: inbox.length,
    cached,
    durationMs,
    ...(traceContext === undefined ? {} : { traceContext }),
  });
  const outcome = result.outcome;
  const took =
    runTiming === undefined ? {} : { durationMs: Math.max(0, runTiming.now - runTiming.createdAt) };
  if (outcome === undefined) emitEvent(events, "run.suspended", { runId, workflowName, lastSeq, issued });
  else if (outcome.kind === "complete_run")
    emitEvent(events, "run.completed", { runId, workflowName, lastSeq, ...took });
  else if (outcome.kind === "fail_run")
    emitEvent(events, "run.failed", { runId, workflowName, error: outcome.error, ...took });
  else if (outcome.kind === "cancel_run")
    emitEvent(events, "run.cancelled", {
      runId,
      workflowName,
      ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
      ...took,
    });
}

/** Whether an activity call is a saga compensation (scheduled by compensate()/compensateAll()). */
export function isCompensation(identity: string): boolean {
  return identity.startsWith("compensate:") || identity.startsWith("compensateAll:");
}

/** Children started and continue-as-new, named as the journal created them. */
export function reportComposition(
  events: EngineEventEmitter,
  runId: string,
  workflowName: string,
  commit: StepCommit,
): void {
  for (const child of commit.children ?? []) {
    emitEvent(events, "child.started", {
      runId,
      identity: child.parentIdentity,
      childRunId: child.runId,
      childWorkflowId: child.workflowId,
      childWorkflowName: child.workflowName,
    });
  }
  if (commit.run.status === "continued" && commit.run.continuedTo !== undefined) {
    const continued = commit.events.find((event) => event.kind === "run_continued");
    const carriedSignals = continued?.kind === "run_continued" ? (continued.carriedSignals?.length ?? 0) : 0;
    emitEvent(events, "run.continued", {
      runId,
      workflowName,
      nextRunId: commit.run.continuedTo,
      carriedSignals,
    });
  }
}
