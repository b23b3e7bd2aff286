import type { Journal } from "../journal/journal.ts";
import type { TraceContext } from "../model/trace-context.ts";
import { createLruCache } from "./lru-cache.ts";

/**
 * The trace contexts of runs whose activities this engine runs, for instrumentation: noted for
 * free when the engine steps a run (its claim carries the run row), read with one `getRun` for a
 * run it never stepped. Only built when an `Instrumentation.activity` hook is installed, so an
 * engine without instrumentation never reads a run for an activity.
 */
export interface RunTraceContexts {
  /** Remembers what a claim or a cached step showed of the run. */
  note(runId: string, traceContext: TraceContext | undefined): void;
  /** The run's trace context, from memory or the journal; undefined when it has none (or is gone). */
  resolve(runId: string): Promise<TraceContext | undefined>;
}

/** Bounded like the sticky cache: an entry is a few dozen bytes. */
const capacity = 10_000;

/** Creates a {@link RunTraceContexts} over `journal`. */
export function createRunTraceContexts(journal: Journal): RunTraceContexts {
  const known = createLruCache<string, { value: TraceContext | undefined }>(capacity);
  return {
    note(runId, traceContext) {
      known.set(runId, { value: traceContext });
    },
    async resolve(runId) {
      const hit = known.get(runId);
      if (hit !== undefined) return hit.value;
      const run = await journal.getRun(runId);
      const value = run?.traceContext;
      known.set(runId, { value });
      return value;
    },
  };
}
