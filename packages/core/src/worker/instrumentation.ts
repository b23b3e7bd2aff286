import type { TraceContext } from "../model/trace-context.ts";
import type { HistoryEvent } from "../model/history-event.ts";
import type { Journal, QueueStats, RunRecord } from "../journal/journal.ts";
import type { ActivityContext } from "./activity-context.ts";
import type { EngineEventEmitter } from "./engine-events.ts";

/** What `client.start` tells {@link Instrumentation.start} about the run it is starting. */
export interface StartCall {
  readonly namespace: string;
  readonly workflowName: string;
  /** The id the caller gave; absent when the journal generates it. */
  readonly workflowId?: string;
}

/** What a start did: the run it created, or the existing run it found (`created: false`). */
export interface StartedRun {
  readonly runId: string;
  readonly workflowId: string;
  readonly created: boolean;
}

/** A child run a workflow step is about to start (see {@link Instrumentation.childTraceContext}). */
export interface ChildRunStart {
  readonly parentRunId: string;
  readonly parentWorkflowName: string;
  /** The parent run's own trace context, if it has one. */
  readonly parentTraceContext?: TraceContext;
  readonly childRunId: string;
  readonly childWorkflowId: string;
  readonly childWorkflowName: string;
}

/** What an engine shows {@link Instrumentation.attach}: who it is, its typed events, and reads. */
export interface InstrumentedEngine {
  readonly owner: string;
  readonly namespace: string;
  readonly events: EngineEventEmitter;
  /**
   * The run and its whole history (with each event's journal timestamp `at`), read from the
   * engine's journal; undefined when there is no such run. One read each: call it once per run
   * end, say, never per event.
   */
  readRun(runId: string): Promise<{ run: RunRecord; history: HistoryEvent[] } | undefined>;
  /** What waits in the engine's journal (see `Journal.queueStats`): for queue depth and age gauges. */
  queueStats(): Promise<QueueStats>;
}

/**
 * Hooks for tracing and metrics libraries (e.g. `@continuum/otel`), given to `createClient`,
 * `createEngine` and `createTestEnvironment` as `instrumentation`. Each takes the hooks it has a
 * use for; every hook is optional, and without instrumentation none of this costs anything.
 * Core depends on no tracing library: trace contexts cross this boundary as W3C header strings.
 *
 * Hooks run on the hot path, so they must be quick; a hook that throws fails the operation it
 * wraps (the start, or the activity attempt, which is then retried as any failed attempt).
 *
 * @example
 * ```ts
 * // Without a tracing library: pass the caller's traceparent through to the run.
 * const instrumentation: Instrumentation = {
 *   start: (call, next) => next({ traceparent: request.headers.traceparent }),
 * };
 * const client = createClient({ journal, instrumentation });
 * ```
 */
export interface Instrumentation {
  /**
   * Client: wraps `client.start`. `next` performs the start, storing `traceContext` (W3C; an
   * invalid one is dropped, not refused) with the run: it becomes the run's
   * `RunRecord.traceContext`, its successors' (continue-as-new) and, unless
   * {@link childTraceContext} says otherwise, its children's.
   */
  start?(call: StartCall, next: (traceContext?: TraceContext) => Promise<StartedRun>): Promise<StartedRun>;
  /**
   * Engine: called once by each engine created with this instrumentation (and once by a test
   * environment), before it starts: subscribe to `engine.events` here. Listeners must not
   * block; see `EngineEvents`.
   */
  attach?(engine: InstrumentedEngine): void;
  /**
   * Engine: wraps each activity attempt's call of its function. Call `next()` exactly once and
   * return (or rethrow) what it settles with; run it inside your tracing context so that the
   * spans the activity creates itself nest under the attempt's. `attempt.traceContext` is the
   * run's trace context.
   */
  activity?(attempt: ActivityContext, next: () => Promise<unknown>): Promise<unknown>;
  /**
   * Engine: the trace context a child run is started with, when a workflow step starts one.
   * Default (hook absent or returning undefined): the parent run's own.
   */
  childTraceContext?(child: ChildRunStart): TraceContext | undefined;
}

/** {@link InstrumentedEngine.readRun} over a journal. */
export function runReader(journal: Journal): InstrumentedEngine["readRun"] {
  return async (runId) => {
    const [run, history] = await Promise.all([journal.getRun(runId), journal.readHistory(runId)]);
    return run === undefined ? undefined : { run, history };
  };
}
