import {
  diag,
  metrics,
  trace,
  type MeterProvider,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";
import type { Instrumentation, InstrumentedEngine } from "@continuum/core";
import { createEngineMetrics, type EngineMetrics } from "./engine-metrics.ts";
import { childStartContext, createAttemptSpans, stepSpan, tracedStart } from "./live-spans.ts";
import { emitRunSpans } from "./run-spans.ts";

/** The instrumentation scope name of every span and metric. */
export const instrumentationScope = "@continuum/otel";
const scopeVersion = "0.1.0";

/** Options of {@link continuumOtel}. */
export interface ContinuumOtelOptions {
  /** Where spans go. Default: the global provider (`trace.setGlobalTracerProvider`, NodeSDK). */
  readonly tracerProvider?: TracerProvider;
  /** Where metrics go. Default: the global provider (`metrics.setGlobalMeterProvider`, NodeSDK). */
  readonly meterProvider?: MeterProvider;
  /** Record spans (default true). */
  readonly traces?: boolean;
  /** Record metrics (default true). */
  readonly metrics?: boolean;
}

/** What {@link continuumOtel} returns: Continuum `Instrumentation`, plus two lifecycle calls. */
export interface ContinuumOtel extends Instrumentation {
  /**
   * Resolves once the spans of every run that ended so far are emitted (they are rebuilt from
   * the journal after the run's last commit, off the engine's path). Call it before shutting
   * the tracer provider down, and in tests before reading an exporter.
   */
  flush(): Promise<void>;
  /** Stops listening to every engine it was attached to (metrics and run spans stop). */
  detach(): void;
}

/**
 * OpenTelemetry traces and metrics for Continuum. Give the result to `createClient`,
 * `createEngine` (and `createTestEnvironment`) as `instrumentation`; nothing is recorded, and
 * nothing costs anything, where it is not given.
 *
 * Traces: `client.start` makes a `start_workflow <name>` span under the caller's active span and
 * stores its W3C context with the run, so every span of the run descends from it on any engine,
 * after crashes, through continue-as-new and into child workflows. Each workflow step, each
 * activity attempt (the activity runs inside it: its own HTTP/DB spans nest under it) and each
 * child start is a span when it happens; when the run ends, the run span and one span per wait
 * (activity call with its retries, compensation, sleep, signal wait, child workflow) are
 * rebuilt from the journal with the journal's timestamps (a 30-day sleep is never an open span
 * in memory). Install a context manager (NodeSDK does; else `AsyncLocalStorageContextManager`).
 *
 * @example
 * ```ts
 * import { NodeSDK } from "@opentelemetry/sdk-node";
 * import { continuumOtel } from "@continuum/otel";
 *
 * new NodeSDK({ serviceName: "orders" }).start();   // exports to OTEL_EXPORTER_OTLP_ENDPOINT
 * const otel = continuumOtel();                     // the global tracer and meter providers
 * const journal = await openJournal();
 * const engine = createEngine({ journal, workflows, activities, instrumentation: otel });
 * const client = createClient({ journal, engine, instrumentation: otel });
 * engine.start();
 * await client.start(orderFlow, order);             // inside an HTTP handler's span: one trace
 * ```
 */
export function continuumOtel(options: ContinuumOtelOptions = {}): ContinuumOtel {
  const traces = options.traces !== false;
  const tracer: Tracer | undefined = traces
    ? (options.tracerProvider ?? trace.getTracerProvider()).getTracer(instrumentationScope, scopeVersion)
    : undefined;
  const engineMetrics: EngineMetrics | undefined =
    options.metrics === false
      ? undefined
      : createEngineMetrics(
          (options.meterProvider ?? metrics.getMeterProvider()).getMeter(instrumentationScope, scopeVersion),
        );
  const attemptSpans =
    tracer === undefined
      ? undefined
      : createAttemptSpans(tracer, (attempt, ms, error) => engineMetrics?.attemptSettled(attempt, ms, error));
  const pending = new Set<Promise<void>>();
  const detachers: (() => void)[] = [];

  const attach = (engine: InstrumentedEngine): void => {
    if (engineMetrics !== undefined) {
      detachers.push(engineMetrics.observe(engine.events, engine.owner));
      engineMetrics.readQueueFrom(() => engine.queueStats());
    }
    if (tracer === undefined || attemptSpans === undefined) return;
    const { events } = engine;
    const replays = new Map<string, { durationMs: number; historyLength: number }>();
    const onReplay = (e: { runId: string; durationMs: number; historyLength: number }): void => {
      replays.set(e.runId, { durationMs: e.durationMs, historyLength: e.historyLength });
    };
    const onStep = (e: Parameters<typeof stepSpan>[1]): void => {
      const replay = replays.get(e.runId);
      replays.delete(e.runId);
      stepSpan(tracer, e, replay);
    };
    // The run's spans come from its journal, read once when it ends (off the engine's path).
    const onEnd = (e: { runId: string }): void => {
      const emitting: Promise<void> = engine
        .readRun(e.runId)
        .then((read) => {
          if (read !== undefined) emitRunSpans(tracer, read.run, read.history);
        })
        .catch((error: unknown) => diag.warn(`@continuum/otel: no spans for run ${e.runId}`, error))
        .finally(() => pending.delete(emitting));
      pending.add(emitting);
    };
    const onTimedOut = attemptSpans.timedOut.bind(attemptSpans);
    events.on("replay.completed", onReplay);
    events.on("step.committed", onStep);
    events.on("activity.timed_out", onTimedOut);
    const endings = ["run.completed", "run.failed", "run.cancelled", "run.continued"] as const;
    for (const name of endings) events.on(name, onEnd);
    detachers.push(() => {
      events.off("replay.completed", onReplay);
      events.off("step.committed", onStep);
      events.off("activity.timed_out", onTimedOut);
      for (const name of endings) events.off(name, onEnd);
    });
  };

  const instrumentation: ContinuumOtel = {
    attach,
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    detach() {
      for (const detachOne of detachers.splice(0)) detachOne();
    },
  };
  if (tracer !== undefined && attemptSpans !== undefined) {
    instrumentation.start = (call, next) => tracedStart(tracer, call, next);
    instrumentation.childTraceContext = (child) => childStartContext(tracer, child);
    instrumentation.activity = (attempt, next) => attemptSpans.around(attempt, next);
  } else if (engineMetrics !== undefined) {
    instrumentation.activity = async (attempt, next) => {
      const startedAt = performance.now();
      try {
        const value = await next();
        engineMetrics.attemptSettled(attempt, performance.now() - startedAt);
        return value;
      } catch (error) {
        engineMetrics.attemptSettled(attempt, performance.now() - startedAt, error);
        throw error;
      }
    };
  }
  return instrumentation;
}
