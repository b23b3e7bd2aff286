import { context, type Attributes } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
} from "@opentelemetry/sdk-metrics";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace";

/** A reader collected on demand (the SDK's periodic reader would need a wall-clock wait). */
class TestMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** An OpenTelemetry SDK set up in memory: spans to an in-memory exporter, metrics read on demand. */
export interface OtelFixture {
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  readonly exporter: InMemorySpanExporter;
  spans(): ReadableSpan[];
  /** The sum of a counter over the data points whose attributes include `where`. */
  counter(name: string, where?: Attributes): Promise<number>;
  /** How many values a histogram recorded over the data points whose attributes include `where`. */
  histogramCount(name: string, where?: Attributes): Promise<number>;
  /** The last value of a gauge. */
  gauge(name: string): Promise<number | undefined>;
  shutdown(): Promise<void>;
}

let contextManager: AsyncLocalStorageContextManager | undefined;

/** Creates an {@link OtelFixture}; installs the AsyncLocalStorage context manager once. */
export function createOtelFixture(): OtelFixture {
  if (contextManager === undefined) {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
  }
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const reader = new TestMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const points = async (name: string): Promise<DataPoint<unknown>[]> => {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .filter((metric) => metric.descriptor.name === name)
      .flatMap((metric) => metric.dataPoints as DataPoint<unknown>[]);
  };
  const matching = (point: DataPoint<unknown>, where: Attributes): boolean =>
    Object.entries(where).every(([key, value]) => point.attributes[key] === value);
  return {
    tracerProvider,
    meterProvider,
    exporter,
    spans: () => exporter.getFinishedSpans(),
    async counter(name, where = {}) {
      return (await points(name))
        .filter((p) => matching(p, where))
        .reduce((sum, p) => sum + (p.value as number), 0);
    },
    async histogramCount(name, where = {}) {
      return (await points(name))
        .filter((p) => matching(p, where))
        .reduce((sum, p) => sum + (p.value as Histogram).count, 0);
    },
    async gauge(name) {
      return (await points(name)).at(-1)?.value as number | undefined;
    },
    async shutdown() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}

/** A span's parent span id, or undefined for a root. */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** Spans by name (throws when none has it, naming what there is). */
export function named(spans: readonly ReadableSpan[], name: string): ReadableSpan[] {
  const found = spans.filter((s) => s.name === name);
  if (found.length === 0)
    throw new Error(`no span named "${name}"; spans: ${[...new Set(spans.map((s) => s.name))].join(", ")}`);
  return found;
}

/** The one span with this name. */
export function one(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = named(spans, name);
  if (found.length !== 1) throw new Error(`${found.length} spans named "${name}", expected 1`);
  return found[0] as ReadableSpan;
}

/** The span tree as indented lines (`name` per span, children under parents), for failure messages. */
export function treeOf(spans: readonly ReadableSpan[]): string {
  const byParent = new Map<string | undefined, ReadableSpan[]>();
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  for (const span of spans) {
    const parent = parentOf(span);
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    byParent.set(key, [...(byParent.get(key) ?? []), span]);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number): void => {
    for (const span of byParent.get(parent) ?? []) {
      lines.push(`${"  ".repeat(depth)}${span.name}`);
      walk(span.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join("\n");
}
