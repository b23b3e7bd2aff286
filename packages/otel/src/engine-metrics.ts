import type { Attributes, Meter } from "@opentelemetry/api";
import type {
  ActivityContext,
  EngineEventEmitter,
  EngineEventName,
  EngineEvents,
  QueueStats,
} from "@continuum/core";
import { ContinuumAttributes as A } from "./attributes.ts";
import { errorTypeOf } from "./span-errors.ts";

/**
 * The metric instruments of `@continuum/otel`, made once per {@link continuumOtel} and fed by
 * every engine it is attached to. Durations are histograms in seconds (OpenTelemetry's unit
 * for durations); counts are counters with the `{unit}` annotation the conventions use.
 */
export interface EngineMetrics {
  /** Subscribes to one engine's events; returns the unsubscribe. */
  observe(events: EngineEventEmitter, engineOwner: string): () => void;
  /** Reads the queue gauges through this (an engine's `queueStats`); the first one given is kept. */
  readQueueFrom(read: () => Promise<QueueStats>): void;
  /** Records one activity attempt's run time (from the activity hook, which times the user code itself). */
  attemptSettled(attempt: ActivityContext, durationMs: number, error?: unknown): void;
}

/** Creates the instruments on `meter`. */
export function createEngineMetrics(meter: Meter): EngineMetrics {
  const runs = (what: string, description: string) =>
    meter.createCounter(`continuum.runs.${what}`, { unit: "{run}", description });
  const started = runs("started", "Runs that took their first step");
  const completed = runs("completed", "Runs that returned");
  const failed = runs("failed", "Runs that threw");
  const cancelled = runs("cancelled", "Runs ended by cancellation");
  const continued = runs("continued", "Runs that continued as new (one per chain segment)");
  const stepDuration = meter.createHistogram("continuum.step.duration", {
    unit: "s",
    description: "Time of one workflow step: running the workflow code on new events and committing",
  });
  const steps = meter.createCounter("continuum.steps", {
    unit: "{step}",
    description: `Committed workflow steps; ${A.stepCached}=true ran on the sticky cache (the hit rate)`,
  });
  const activityDuration = meter.createHistogram("continuum.activity.duration", {
    unit: "s",
    description: "Time one activity attempt spent in its function",
  });
  const attempts = meter.createCounter("continuum.activity.attempts", {
    unit: "{attempt}",
    description: `Finished activity attempts by ${A.activityOutcome}: completed, retried, failed, timed_out`,
  });
  const leaseLosses = meter.createCounter("continuum.lease.losses", {
    unit: "{lease}",
    description: "Runs whose lease this engine lost to another (a stalled or partitioned engine)",
  });
  const replayDuration = meter.createHistogram("continuum.replay.duration", {
    unit: "s",
    description: "Time spent rebuilding an execution from its history (cache miss, crash, lease change)",
  });
  let hits = 0;
  let lookups = 0;
  meter
    .createObservableGauge("continuum.sticky_cache.hit_ratio", {
      unit: "1",
      description: "Share of workflow steps that ran on a cached execution, since the process started",
    })
    .addCallback((result) => {
      if (lookups > 0) result.observe(hits / lookups);
    });

  let queue: (() => Promise<QueueStats>) | undefined;
  const dueTasks = meter.createObservableGauge("continuum.task_queue.depth", {
    unit: "{task}",
    description: "Activity tasks due and waiting for an engine (journal-wide)",
  });
  const queueAge = meter.createObservableGauge("continuum.task_queue.age", {
    unit: "s",
    description: "How long the longest-waiting due activity task has waited (0 when none)",
  });
  const runningTasks = meter.createObservableGauge("continuum.tasks.running", {
    unit: "{task}",
    description: "Activity attempts running now (journal-wide)",
  });
  const readyRuns = meter.createObservableGauge("continuum.runs.ready", {
    unit: "{run}",
    description: "Runs ready for a step that no engine holds: the workflow queue's depth",
  });
  meter.addBatchObservableCallback(
    async (result) => {
      if (queue === undefined) return;
      const stats = await queue();
      result.observe(dueTasks, stats.dueTasks);
      result.observe(
        queueAge,
        stats.oldestDueTaskAt === undefined ? 0 : (stats.now - stats.oldestDueTaskAt) / 1000,
      );
      result.observe(runningTasks, stats.runningTasks);
      result.observe(readyRuns, stats.readyRuns);
    },
    [dueTasks, queueAge, runningTasks, readyRuns],
  );

  return {
    readQueueFrom(read) {
      // Journal-wide numbers: the first engine's journal answers for all of them.
      queue ??= read;
    },
    observe(events, engineOwner) {
      const owner: Attributes = { [A.engineOwner]: engineOwner };
      const workflow = (name: string): Attributes => ({ [A.workflowName]: name });
      const attempt = (name: string, outcome: string): Attributes => ({
        [A.activityName]: name,
        [A.activityOutcome]: outcome,
      });
      const offs: (() => void)[] = [];
      const on = <K extends EngineEventName>(name: K, listener: (...args: EngineEvents[K]) => void): void => {
        events.on(name, listener as never);
        offs.push(() => events.off(name, listener as never));
      };
      on("run.started", (e) => started.add(1, workflow(e.workflowName)));
      on("run.completed", (e) => completed.add(1, workflow(e.workflowName)));
      on("run.failed", (e) =>
        failed.add(1, { ...workflow(e.workflowName), [A.errorType]: errorTypeOf(e.error) }),
      );
      on("run.cancelled", (e) => cancelled.add(1, workflow(e.workflowName)));
      on("run.continued", (e) => continued.add(1, workflow(e.workflowName)));
      on("step.committed", (e) => {
        const attributes = { ...workflow(e.workflowName), [A.stepCached]: e.cached };
        stepDuration.record(e.durationMs / 1000, attributes);
        steps.add(1, attributes);
        lookups += 1;
        if (e.cached) hits += 1;
      });
      on("activity.completed", (e) => attempts.add(1, attempt(e.activityName, "completed")));
      on("activity.retried", (e) =>
        attempts.add(1, { ...attempt(e.activityName, "retried"), [A.errorType]: errorTypeOf(e.error) }),
      );
      on("activity.failed", (e) =>
        attempts.add(1, { ...attempt(e.activityName, "failed"), [A.errorType]: errorTypeOf(e.error) }),
      );
      on("activity.timed_out", (e) => attempts.add(1, attempt(e.activityName, "timed_out")));
      on("lease.lost", (e) => leaseLosses.add(1, { ...owner, [A.leaseLostDuring]: e.during }));
      on("replay.completed", (e) => replayDuration.record(e.durationMs / 1000, workflow(e.workflowName)));
      return () => {
        for (const off of offs) off();
      };
    },
    attemptSettled(attempt, durationMs, error) {
      activityDuration.record(durationMs / 1000, {
        [A.activityName]: attempt.activityName,
        ...(error === undefined ? {} : { [A.errorType]: errorTypeOf(error) }),
      });
    },
  };
}
