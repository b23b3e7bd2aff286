import {
  ROOT_CONTEXT,
  createTraceState,
  isSpanContextValid,
  trace,
  TraceFlags,
  type Context,
  type SpanContext,
} from "@opentelemetry/api";
import type { TraceContext } from "@continuum/core";

// W3C Trace Context, written and read here rather than through the global propagator: what is
// stored with a run must be W3C whatever propagator (B3, Jaeger...) the app registered.

/** The W3C trace context of a span context; undefined for an invalid (noop) one. */
export function traceContextOf(spanContext: SpanContext): TraceContext | undefined {
  if (!isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, "0");
  const traceparent = `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
  const tracestate = spanContext.traceState?.serialize();
  return tracestate === undefined || tracestate === "" ? { traceparent } : { traceparent, tracestate };
}

/** The span context a stored W3C trace context names (remote); undefined when malformed. */
export function spanContextOf(traceContext: TraceContext | undefined): SpanContext | undefined {
  if (traceContext === undefined) return undefined;
  const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceContext.traceparent);
  if (match === null) return undefined;
  const spanContext: SpanContext = {
    traceId: match[2] as string,
    spanId: match[3] as string,
    traceFlags: Number.parseInt(match[4] as string, 16) & TraceFlags.SAMPLED,
    isRemote: true,
    ...(traceContext.tracestate === undefined
      ? {}
      : { traceState: createTraceState(traceContext.tracestate) }),
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/**
 * The context to start a run's spans in: the stored trace context as remote parent, or, for a
 * run started untraced, the root context (its spans then start a trace of their own). Never
 * the ambient context: engine spans are made from event listeners, where it is arbitrary.
 */
export function parentContextOf(traceContext: TraceContext | undefined): Context {
  const spanContext = spanContextOf(traceContext);
  return spanContext === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, spanContext);
}
