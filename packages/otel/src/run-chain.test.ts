import { SpanStatusCode } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import {
  activityContext,
  createMemoryJournal,
  createClient,
  createEngine,
  defineActivity,
} from "@continuum/core";
import { activity, continueAsNew, sleep, workflow } from "@continuum/core/workflow";
import { createTestEnvironment, type TestEnvironment } from "@continuum/core/testing";
import { ContinuumAttributes as A } from "./attributes.ts";
import { continuumOtel } from "./continuum-otel.ts";
import {
  createOtelFixture,
  named,
  one,
  parentOf,
  treeOf,
  type OtelFixture,
} from "./test-support/otel-fixture.ts";

const stamp = (versionHash: string) =>
  ({ format: 1, versionHash, cursors: [], file: "test/otel-chain.workflow.ts", line: 1 }) as const;

class OutOfFuel extends Error {
  override name = "OutOfFuel";
}

const countdown = workflow.stamped(stamp("countdown-1"))(
  "otel.countdown",
  { version: 1 },
  async (n: number) => {
    await sleep.at("sleep:#0")(1_000);
    if (n === 0) throw new OutOfFuel("no fuel left");
    return continueAsNew.at("continueAsNew:#0")(n - 1);
  },
);

const echo = defineActivity("otel.echo", async (text: string) => text);
const echoFlow = workflow.stamped(stamp("echo-1"))("otel.echo", { version: 1 }, async (text: string) =>
  activity.at("activity:otel.echo#0")(echo, text),
);

// Attempt 1 hangs past its 5 s timeout (the test clock moves on without it); attempt 2 returns.
const hangOnce = defineActivity(
  "otel.hang-once",
  async (): Promise<string> => {
    if (activityContext().attempt === 1) return new Promise<string>(() => {});
    return "late but fine";
  },
  { timeoutMs: 5_000, retry: { maxAttempts: 2, initialIntervalMs: 100 } },
);
const hangFlow = workflow.stamped(stamp("hang-1"))("otel.hang", { version: 1 }, async () =>
  activity.at("activity:otel.hang-once#0")(hangOnce),
);

let env: TestEnvironment | undefined;
let otel: OtelFixture | undefined;
afterEach(async () => {
  await env?.close();
  await otel?.shutdown();
  env = undefined;
  otel = undefined;
});

describe("@continuum/otel: chains, failures and gauges", () => {
  it("continue-as-new gives each segment a run span under the one start span; the failed end is an error", async () => {
    otel = createOtelFixture();
    const instrumentation = continuumOtel({
      tracerProvider: otel.tracerProvider,
      meterProvider: otel.meterProvider,
    });
    env = await createTestEnvironment({ workflows: [countdown], instrumentation });
    const run = await env.client.start(countdown, 2);
    await expect(run.result()).rejects.toThrow(/no fuel left/);
    await instrumentation.flush();

    const spans = otel.spans();
    const tree = treeOf(spans);
    const start = one(spans, "start_workflow otel.countdown");
    expect(parentOf(start), "an untraced caller: the start span is the root").toBeUndefined();
    const segments = named(spans, "run otel.countdown");
    expect(segments, tree).toHaveLength(3);
    for (const segment of segments) expect(parentOf(segment), tree).toBe(start.spanContext().spanId);
    expect(segments.map((s) => s.attributes[A.runStatus]).sort()).toEqual([
      "continued",
      "continued",
      "failed",
    ]);
    const failed = segments.find((s) => s.attributes[A.runStatus] === "failed");
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed?.attributes[A.errorType]).toBe("OutOfFuel");
    expect(failed?.events.find((e) => e.name === "exception")?.attributes?.["exception.message"]).toBe(
      "no fuel left",
    );
    expect(named(spans, "sleep")).toHaveLength(3);

    expect(await otel.counter("continuum.runs.started")).toBe(3);
    expect(await otel.counter("continuum.runs.continued")).toBe(2);
    expect(await otel.counter("continuum.runs.failed", { [A.errorType]: "OutOfFuel" })).toBe(1);
    expect(await otel.counter("continuum.runs.completed")).toBe(0);
  });

  it("an attempt that times out ends its span as a timed-out error; the retry's span succeeds", async () => {
    otel = createOtelFixture();
    const instrumentation = continuumOtel({
      tracerProvider: otel.tracerProvider,
      meterProvider: otel.meterProvider,
    });
    env = await createTestEnvironment({ workflows: [hangFlow], activities: [hangOnce], instrumentation });
    const run = await env.client.start(hangFlow, undefined);
    expect(await run.result()).toBe("late but fine");
    await instrumentation.flush();
    const attempts = named(otel.spans(), "activity otel.hang-once").sort(
      (a, b) => Number(a.attributes[A.activityAttempt]) - Number(b.attributes[A.activityAttempt]),
    );
    expect(attempts.map((s) => [s.attributes[A.activityOutcome], s.status.code])).toEqual([
      ["timed_out", SpanStatusCode.ERROR],
      [undefined, SpanStatusCode.UNSET],
    ]);
    expect(await otel.counter("continuum.activity.attempts", { [A.activityOutcome]: "timed_out" })).toBe(1);
  });

  it("queue gauges read the journal: ready runs before an engine steps them, none after", async () => {
    otel = createOtelFixture();
    const instrumentation = continuumOtel({
      tracerProvider: otel.tracerProvider,
      meterProvider: otel.meterProvider,
    });
    env = await createTestEnvironment({ workflows: [echoFlow], activities: [echo], instrumentation });
    const runs = await Promise.all(["a", "b", "c"].map((text) => env!.client.start(echoFlow, text)));
    expect(await otel.gauge("continuum.runs.ready")).toBe(3);
    expect(await otel.gauge("continuum.task_queue.depth")).toBe(0);
    for (const run of runs) await run.result();
    expect(await otel.gauge("continuum.runs.ready")).toBe(0);
    expect(await otel.gauge("continuum.task_queue.depth")).toBe(0);
    expect(await otel.gauge("continuum.task_queue.age")).toBe(0);
  });

  it("createEngine and createClient take the same instrumentation; without it nothing is recorded", async () => {
    otel = createOtelFixture();
    const instrumentation = continuumOtel({
      tracerProvider: otel.tracerProvider,
      meterProvider: otel.meterProvider,
    });
    const journal = createMemoryJournal();
    const engine = createEngine({
      journal,
      workflows: [echoFlow],
      activities: [echo],
      instrumentation,
      pollIntervalMs: 5,
    });
    const client = createClient({ journal, engine, instrumentation });
    engine.start();
    try {
      const run = await client.start(echoFlow, "hi");
      expect(await run.result()).toBe("hi");
      const plain = createClient({ journal });
      const untraced = await plain.start(echoFlow, "quiet");
      expect(await untraced.result()).toBe("quiet");
      expect((await client.describe(run.runId)).traceContext?.traceparent).toMatch(/^00-[0-9a-f]{32}-/);
      expect((await client.describe(untraced.runId)).traceContext).toBeUndefined();
    } finally {
      await engine.stop();
    }
    await instrumentation.flush();
    const spans = otel.spans();
    // The traced run: start, run, call, attempt and step spans in one trace; the untraced one
    // still gets engine spans, in a trace of its own (no start span).
    expect(named(spans, "start_workflow otel.echo")).toHaveLength(1);
    expect(named(spans, "run otel.echo")).toHaveLength(2);
    const traces = new Set(named(spans, "run otel.echo").map((s) => s.spanContext().traceId));
    expect(traces.size).toBe(2);
    expect(await otel.counter("continuum.runs.completed", { [A.workflowName]: "otel.echo" })).toBe(2);
  });
});
