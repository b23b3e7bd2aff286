import { SpanStatusCode, type TracerProvider } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterEach, describe, expect, it } from "vitest";
import { activityContext, defineActivity } from "@continuum/core";
import {
  activity,
  child,
  compensateAll,
  hours,
  minutes,
  signal,
  sleep,
  workflow,
} from "@continuum/core/workflow";
import { createTestEnvironment, testJournals, type TestEnvironment } from "@continuum/core/testing";
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

// One order saga, traced end to end: the charge fails once and is retried, a child workflow
// ships (its activity makes an HTTP-like span of its own), the run waits for a signal, the
// engine crashes and a new one takes over, then a failing notification rolls the saga back.

const stamp = (versionHash: string) =>
  ({ format: 1, versionHash, cursors: [], file: "test/otel.workflow.ts", line: 1 }) as const;

function fixtureCode(tracerProvider: TracerProvider) {
  const charges: number[] = [];
  const charge = defineActivity(
    "otel.charge",
    async (orderId: string) => {
      const { attempt } = activityContext();
      charges.push(attempt);
      if (attempt === 1) throw new Error("card network timeout");
      return `receipt-${orderId}`;
    },
    { retry: { maxAttempts: 3, initialIntervalMs: 1_000 } },
  );
  const refund = defineActivity("otel.refund", async (orderId: string) => `refunded-${orderId}`);
  // An activity doing its own traced I/O: its span must nest under the attempt's.
  const ship = defineActivity("otel.ship", async (orderId: string) =>
    tracerProvider.getTracer("http-client").startActiveSpan("POST /shipments", async (span) => {
      span.setAttribute("http.request.method", "POST");
      span.end();
      return `parcel-${orderId}`;
    }),
  );
  const notify = defineActivity(
    "otel.notify",
    async (): Promise<void> => {
      throw new Error("mailer rejected the address");
    },
    { retry: { maxAttempts: 1 } },
  );
  const shipment = workflow.stamped(stamp("shipment-1"))(
    "otel.shipment",
    { version: 1 },
    async (id: string) => activity.at("activity:otel.ship#0")(ship, id),
  );
  const order = workflow.stamped(stamp("order-1"))("otel.order", { version: 1 }, async (id: string) => {
    await activity.at("activity:otel.charge#0")(charge, id, { compensate: [refund, id] });
    await child.at("child:otel.shipment#0")(shipment, id);
    await signal.at("signal:confirm#0")<boolean>("confirm", { timeout: hours(1) });
    await sleep.at("sleep:#0")(minutes(5));
    try {
      await activity.at("activity:otel.notify#0")(notify);
      return "done";
    } catch {
      await compensateAll.at("compensateAll:#0")();
      return "rolled back";
    }
  });
  return { charges, order, shipment, activities: [charge, refund, ship, notify] };
}

/** Every span's parent is in the trace, one trace id, one root. */
function expectConnected(spans: readonly ReadableSpan[], rootName: string): void {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const tree = treeOf(spans);
  expect(new Set(spans.map((s) => s.spanContext().traceId)).size, tree).toBe(1);
  const roots = spans.filter((s) => parentOf(s) === undefined || !ids.has(parentOf(s) as string));
  expect(
    roots.map((s) => s.name),
    tree,
  ).toEqual([rootName]);
}

const childOf = (span: ReadableSpan, parent: ReadableSpan): boolean =>
  parentOf(span) === parent.spanContext().spanId;

describe.each(testJournals())("@continuum/otel on $kind", ({ journal }) => {
  let env: TestEnvironment | undefined;
  let otel: OtelFixture | undefined;
  afterEach(async () => {
    await env?.close();
    await otel?.shutdown();
    env = undefined;
    otel = undefined;
  });

  it("a saga with a retry, a child and a crash is one trace under the caller's span", async () => {
    otel = createOtelFixture();
    const instrumentation = continuumOtel({
      tracerProvider: otel.tracerProvider,
      meterProvider: otel.meterProvider,
    });
    const code = fixtureCode(otel.tracerProvider);
    env = await createTestEnvironment({
      journal,
      workflows: [code.order, code.shipment],
      activities: code.activities,
      instrumentation,
    });
    const caller = otel.tracerProvider.getTracer("web");
    const run = await caller.startActiveSpan("POST /orders", async (span) => {
      const started = await env!.client.start(code.order, "o-1");
      span.end();
      return started;
    });
    await env.waitFor(run.runId, async () =>
      (await env!.client.history(run.runId)).some((e) => e.kind === "signal_wait_started"),
    );
    await env.restart(); // the engine dies; a new one (another owner) takes the run over
    await env.sendSignal(run.runId, "confirm", true);
    expect(await run.result()).toBe("rolled back");
    expect(env.restarts).toBe(1);
    await instrumentation.flush();

    const spans = otel.spans();
    const tree = treeOf(spans);
    expectConnected(spans, "POST /orders");
    const root = one(spans, "POST /orders");
    const start = one(spans, "start_workflow otel.order");
    expect(childOf(start, root), tree).toBe(true);
    expect(start.attributes[A.runId]).toBe(run.runId);

    // The run and its waits, rebuilt from the journal, under the start span.
    const runSpan = one(spans, "run otel.order");
    expect(childOf(runSpan, start), tree).toBe(true);
    expect(runSpan.attributes[A.runStatus]).toBe("completed");
    const call = one(spans, "call otel.charge");
    expect(childOf(call, runSpan), tree).toBe(true);
    expect(call.attributes[A.activityAttempts]).toBe(2);
    const undo = one(spans, "compensate otel.refund");
    expect(childOf(undo, runSpan), tree).toBe(true);
    expect(undo.attributes[A.compensation]).toBe(true);
    const notify = one(spans, "call otel.notify");
    expect(notify.status.code).toBe(SpanStatusCode.ERROR);
    expect(notify.events.map((e) => e.name)).toContain("exception");
    for (const name of ["wait_signal confirm", "sleep", "child_workflow otel.shipment"])
      expect(childOf(one(spans, name), runSpan), `${name}\n${tree}`).toBe(true);
    expect(one(spans, "wait_signal confirm").attributes[A.signalTimedOut]).toBeUndefined();

    // Attempts and steps, made live (before and after the crash), under the start span.
    const attempts = named(spans, "activity otel.charge").sort(
      (a, b) => Number(a.attributes[A.activityAttempt]) - Number(b.attributes[A.activityAttempt]),
    );
    expect(attempts.map((s) => [s.attributes[A.activityAttempt], s.status.code])).toEqual([
      [1, SpanStatusCode.ERROR],
      [2, SpanStatusCode.UNSET],
    ]);
    expect(attempts[0]?.attributes[A.errorType]).toBe("Error");
    for (const span of [...attempts, ...named(spans, "step otel.order")])
      expect(childOf(span, start), `${span.name}\n${tree}`).toBe(true);
    expect(named(spans, "step otel.order").length).toBeGreaterThanOrEqual(4);
    // After the crash the new engine replayed: a step that was not a sticky-cache hit.
    expect(named(spans, "step otel.order").some((s) => s.attributes[A.stepCached] === false)).toBe(true);

    // The child: its own start span under the parent's, its run and activity under that, and
    // the activity's own HTTP span under the attempt.
    const startChild = one(spans, "start_child_workflow otel.shipment");
    expect(childOf(startChild, start), tree).toBe(true);
    expect(childOf(one(spans, "run otel.shipment"), startChild), tree).toBe(true);
    const shipAttempt = one(spans, "activity otel.ship");
    expect(childOf(shipAttempt, startChild), tree).toBe(true);
    expect(childOf(one(spans, "POST /shipments"), shipAttempt), tree).toBe(true);

    // Metrics match what ran.
    expect(await otel.counter("continuum.runs.started")).toBe(2);
    expect(await otel.counter("continuum.runs.completed", { [A.workflowName]: "otel.order" })).toBe(1);
    expect(await otel.counter("continuum.runs.completed", { [A.workflowName]: "otel.shipment" })).toBe(1);
    expect(await otel.counter("continuum.runs.failed")).toBe(0);
    expect(
      await otel.counter("continuum.activity.attempts", {
        [A.activityName]: "otel.charge",
        [A.activityOutcome]: "retried",
      }),
    ).toBe(1);
    expect(
      await otel.counter("continuum.activity.attempts", {
        [A.activityName]: "otel.notify",
        [A.activityOutcome]: "failed",
      }),
    ).toBe(1);
    expect(
      await otel.histogramCount("continuum.activity.duration", { [A.activityName]: "otel.charge" }),
    ).toBe(2);
    expect(await otel.histogramCount("continuum.replay.duration")).toBeGreaterThanOrEqual(1);
    const steps = await otel.counter("continuum.steps");
    expect(await otel.histogramCount("continuum.step.duration")).toBe(steps);
    const hits = await otel.counter("continuum.steps", { [A.stepCached]: true });
    expect(await otel.gauge("continuum.sticky_cache.hit_ratio")).toBeCloseTo(hits / steps, 6);
  }, 300_000); // opening embedded PGlite alone takes 40 s on a loaded two-core machine
});
