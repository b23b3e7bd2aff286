import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import type { HistoryEvent, HistoryEventBody } from "../model/index.ts";
import type { RunRecord } from "./journal-types.ts";
import { planRetry } from "./plan-retry.ts";

const options = {
  retry: {
    maxAttempts: 1,
    initialIntervalMs: 1,
    backoffCoefficient: 2,
    maxIntervalMs: 1,
    nonRetryableErrors: [],
  },
  startToCloseMs: 1000,
};
const error = { name: "Error", message: "no" };
const run = (overrides: Partial<RunRecord> = {}): RunRecord => ({
  runId: "r1",
  namespace: "ns",
  workflowId: "w1",
  workflowName: "wf",
  versionHash: "v1",
  status: "failed",
  input: null,
  attributes: {},
  lastSeq: 0,
  fencingToken: 1,
  createdAt: 0,
  updatedAt: 0,
  ...overrides,
});
const history = (...bodies: HistoryEventBody[]): HistoryEvent[] =>
  bodies.map((body, i) => ({ ...body, seq: i + 1, at: 1000 * (i + 1) }) as HistoryEvent);
const started: HistoryEventBody = { kind: "run_started", workflowName: "wf", versionHash: "v1", input: null };
const scheduled = (identity: string): HistoryEventBody => ({
  kind: "activity_scheduled",
  identity,
  activityName: identity,
  args: [],
  options,
});

describe("planRetry: where a failed run restarts", () => {
  it("cuts before the last activity failure: completed calls stay, open calls and timers come back, later signals carry over", () => {
    const events = history(
      started,
      scheduled("a"),
      { kind: "activity_completed", identity: "a", result: 1, attempts: 1 },
      scheduled("b"),
      scheduled("c"),
      { kind: "timer_started", identity: "t", delayMs: 500 },
      { kind: "signal_wait_started", identity: "s", name: "go", timeoutMs: 9000 },
      { kind: "activity_failed", identity: "b", error, attempts: 1 },
      scheduled("undo"),
      { kind: "signal_received", name: "late", payload: 1 },
      { kind: "activity_completed", identity: "undo", result: 0, attempts: 1 },
      { kind: "run_failed", error },
    );
    const plan = planRetry(run(), events);
    expect(plan.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(plan.tasks.map((t) => t.identity)).toEqual(["b", "c"]);
    expect(plan.timers).toEqual([
      { identity: "t", fireAt: 6000 + 500 },
      { identity: "s", fireAt: 7000 + 9000 },
    ]);
    expect(plan.signals).toEqual([{ kind: "signal_received", name: "late", payload: 1 }]);
  });

  it("a signal that settled a wait leaves no timeout timer; a fired timer is not set again", () => {
    const plan = planRetry(
      run(),
      history(
        started,
        { kind: "signal_wait_started", identity: "s", name: "go", timeoutMs: 9000 },
        { kind: "signal_received", name: "go", payload: 1 },
        { kind: "timer_started", identity: "t", until: 50_000 },
        { kind: "timer_fired", identity: "t" },
        scheduled("b"),
        { kind: "activity_failed", identity: "b", error, attempts: 1 },
        { kind: "run_failed", error },
      ),
    );
    expect(plan.timers).toEqual([]);
    expect(plan.tasks.map((t) => t.identity)).toEqual(["b"]);
  });

  it("without an activity failure, cuts before run_failed (the workflow code threw)", () => {
    const plan = planRetry(
      run(),
      history(
        started,
        scheduled("a"),
        { kind: "activity_completed", identity: "a", result: 1, attempts: 1 },
        { kind: "run_failed", error },
      ),
    );
    expect(plan.events.map((e) => e.kind)).toEqual([
      "run_started",
      "activity_scheduled",
      "activity_completed",
    ]);
    expect(plan.tasks).toEqual([]);
  });

  it("refuses a run that did not fail, a child run, and a failure point with a child still open", () => {
    expect(() => planRetry(run({ status: "completed" }), history(started))).toThrow(
      expect.objectContaining({
        code: ErrorCode.RunNotRetryable,
        data: expect.objectContaining({ reason: "not_failed" }),
      }),
    );
    expect(() =>
      planRetry(run({ parentRunId: "p" }), history(started, { kind: "run_failed", error })),
    ).toThrow(expect.objectContaining({ data: expect.objectContaining({ reason: "has_parent" }) }));
    const child: HistoryEventBody = {
      kind: "child_started",
      identity: "k",
      workflowName: "kid",
      workflowId: "k1",
      versionHash: "v1",
      input: null,
      parentClosePolicy: "cancel",
    };
    expect(() =>
      planRetry(
        run(),
        history(
          started,
          child,
          scheduled("b"),
          { kind: "activity_failed", identity: "b", error, attempts: 1 },
          { kind: "run_failed", error },
        ),
      ),
    ).toThrow(expect.objectContaining({ data: expect.objectContaining({ reason: "open_child" }) }));
  });
});
