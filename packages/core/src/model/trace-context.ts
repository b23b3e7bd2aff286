/**
 * A W3C Trace Context (https://www.w3.org/TR/trace-context/) as HTTP carries it: the
 * `traceparent` header and, optionally, `tracestate`. Core stores it with a run and hands it to
 * instrumentation; it never parses it beyond the format check and depends on no tracing library.
 */
export interface TraceContext {
  /** `version-traceid-parentid-flags`, e.g. `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`. */
  readonly traceparent: string;
  /** Vendor-specific key=value list; absent when empty. */
  readonly tracestate?: string;
}

const traceparentPattern = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const allZeroTrace = /^[0-9a-f]{2}-0{32}-/;
const allZeroParent = /^[0-9a-f]{2}-[0-9a-f]{32}-0{16}-/;
/** The W3C limit is 32 list members; 512 characters is what propagators keep. */
const maxTracestateLength = 512;

/**
 * The trace context in a valid form, or undefined. As the W3C spec asks of a receiver, an
 * invalid `traceparent` drops the whole context (the run is then simply untraced, never
 * refused), and an invalid `tracestate` is dropped on its own.
 */
export function validTraceContext(value: unknown): TraceContext | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { traceparent, tracestate } = value as { traceparent?: unknown; tracestate?: unknown };
  if (typeof traceparent !== "string" || !traceparentPattern.test(traceparent)) return undefined;
  if (traceparent.startsWith("ff") || allZeroTrace.test(traceparent) || allZeroParent.test(traceparent))
    return undefined;
  const state =
    typeof tracestate === "string" &&
    tracestate.length > 0 &&
    tracestate.length <= maxTracestateLength &&
    /^[\x20-\x7e]*$/.test(tracestate)
      ? tracestate
      : undefined;
  return state === undefined ? { traceparent } : { traceparent, tracestate: state };
}
