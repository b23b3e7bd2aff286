/**
 * Optional OpenTelemetry for the demo (guides/opentelemetry.md):
 *
 *   pnpm orders -- --trace                                   # print the batch's trace tree at the end
 *   CONTINUUM_TRACE=1 pnpm orders                            # the same
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 pnpm orders   # send spans to a collector (OTLP/HTTP)
 *
 * Neither set: main.ts does not load this file, nor OpenTelemetry (the demo's output and start-up
 * time stay as they are).
 */
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import type { Instrumentation } from "@continuum/core";
import { continuumOtel } from "@continuum/otel";

/** What main.ts needs from tracing: the instrumentation, a root span to start under, and an end. */
export interface DemoTracing {
  readonly instrumentation: Instrumentation;
  /** Runs `fn` inside the demo's root span (the "caller" every run's trace hangs under). */
  inRootSpan<T>(fn: () => Promise<T>): Promise<T>;
  /** Emits the last spans, then prints the tree (--trace) or flushes the exporter (OTLP). */
  finish(): Promise<void>;
}

/** Sets tracing up: spans kept in memory for the tree (--trace), and/or sent over OTLP. */
export async function setUpTracing(): Promise<DemoTracing> {
  const print = process.argv.includes("--trace") || process.env.CONTINUUM_TRACE === "1";
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const memory = print ? new InMemorySpanExporter() : undefined;
  const processors: SpanProcessor[] =
    memory === undefined ? [] : [new SimpleSpanProcessor({ exporter: memory })];
  if (endpoint !== undefined) {
    // Loaded only here: the OTLP exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (and _HEADERS) itself.
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }));
    console.log(`tracing: exporting spans over OTLP/HTTP to ${endpoint}`);
  }
  const tracerProvider = new TracerProvider({ spanProcessors: processors });
  trace.setGlobalTracerProvider(tracerProvider);
  const otel = continuumOtel({ tracerProvider, metrics: false });
  const tracer = tracerProvider.getTracer("orders-demo");
  return {
    instrumentation: otel,
    inRootSpan: (fn) =>
      tracer.startActiveSpan("orders demo", async (span) => {
        try {
          return await fn();
        } finally {
          span.end();
        }
      }),
    async finish() {
      await otel.flush();
      await tracerProvider.forceFlush();
      if (memory !== undefined) console.log(`\ntrace:\n${traceTree(memory.getFinishedSpans())}`);
      await tracerProvider.shutdown();
    },
  };
}

/** The spans as an indented tree, children in start order, with each span's duration. */
export function traceTree(spans: readonly ReadableSpan[]): string {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const ms = (t: readonly [number, number]) => t[0] * 1000 + t[1] / 1e6;
  const lines: string[] = [];
  const walk = (parent: string | undefined, prefix: string): void => {
    const list = (children.get(parent) ?? []).sort((a, b) => ms(a.startTime) - ms(b.startTime));
    list.forEach((span, i) => {
      const last = i === list.length - 1;
      const error = span.status.code === SpanStatusCode.ERROR ? " ERROR" : "";
      const attempt = span.attributes["continuum.activity.attempt"];
      const label = attempt === undefined ? span.name : `${span.name} #${String(attempt)}`;
      lines.push(`${prefix}${last ? "└─ " : "├─ "}${label} ${ms(span.duration).toFixed(1)} ms${error}`);
      walk(span.spanContext().spanId, `${prefix}${last ? "   " : "│  "}`);
    });
  };
  walk(undefined, "");
  return lines.join("\n");
}
