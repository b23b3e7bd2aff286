/**
 * `@continuum/otel`: OpenTelemetry traces and metrics for Continuum, as `Instrumentation` for
 * `createClient`, `createEngine` and `createTestEnvironment`.
 *
 * @example
 * ```ts
 * const otel = continuumOtel();
 * const engine = createEngine({ journal, workflows, activities, instrumentation: otel });
 * const client = createClient({ journal, engine, instrumentation: otel });
 * ```
 */
export { continuumOtel, instrumentationScope } from "./continuum-otel.ts";
export type { ContinuumOtel, ContinuumOtelOptions } from "./continuum-otel.ts";
export { ContinuumAttributes, SpanNames } from "./attributes.ts";
export { emitRunSpans } from "./run-spans.ts";
export { traceContextOf, spanContextOf } from "./trace-context-codec.ts";
