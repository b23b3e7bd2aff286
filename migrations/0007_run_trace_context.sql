-- 0007_run_trace_context: the W3C trace context (traceparent, tracestate) of whoever started a
-- run, so that tracing (e.g. @continuum/otel) parents every span of the run under the caller's
-- span on any engine, after crashes and across continue-as-new (the successor copies it) and
-- child runs (given by the parent's engine). Plain text, as the headers are: never parsed by
-- SQL, never indexed, NULL when nobody traced the start (no cost for runs without tracing).

ALTER TABLE continuum.runs ADD COLUMN traceparent text;
ALTER TABLE continuum.runs ADD COLUMN tracestate text;
