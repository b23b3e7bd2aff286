import { describe, expect, it } from "vitest";
import type { ExecutionStepResult } from "../replay/execution-contract.ts";
import type { CommandEvent, HistoryEventBody } from "../model/index.ts";
import { resolveActivityOptions } from "../workflow/index.ts";
import { buildStepCommit } from "./build-step-commit.ts";

const lease = { runId: "r-1", owner: "e", fencingToken: 3 };
const options = resolveActivityOptions({});

/** A step result; `cancelTasks` defaults to none (the field is newer than most of these cases). */
type StepResult = Omit<ExecutionStepResult, "cancelTasks"> & { readonly cancelTasks?: readonly string[] };
const asResult = (result: StepResult): ExecutionStepResult =>
  ({ cancelTasks: [], ...result }) as ExecutionStepResult;

function commitOf(result: StepResult) {
  return buildStepCommit({
    lease,
    lastSeq: 4,
    delivered: [7, 9],
    result: asResult(result),
    leaseMs: 1_000,
    newRunId: () => "next-run",
  });
}

describe("buildStepCommit", () => {
  it("turns activity, sleep and signal-wait-with-timeout commands into tasks and timers", () => {
    const fired: HistoryEventBody = { kind: "timer_fired", identity: "sleep:#0@0" };
    const commands: CommandEvent[] = [
      { kind: "activity_scheduled", identity: "activity:a#0@0", activityName: "a", args: [1], options },
      { kind: "timer_started", identity: "sleep:#1@0", delayMs: 500 },
      { kind: "timer_started", identity: "sleepUntil:#0@0", until: 99_000 },
      { kind: "signal_wait_started", identity: "signal:go#0@0", name: "go", timeoutMs: 2_000 },
      { kind: "signal_wait_started", identity: "signal:stop#0@0", name: "stop" },
      { kind: "value_recorded", identity: "now:#0@0", value: 5 },
    ];
    const events = [fired, ...commands];
    const commit = commitOf({ events, commands, cancelTimers: ["signal:old#0@0"] });
    expect(commit).toEqual({
      lease,
      lastSeq: 4,
      delivered: [7, 9],
      events,
      tasks: [{ identity: "activity:a#0@0", activityName: "a", args: [1], options }],
      timers: [
        { identity: "sleep:#1@0", delayMs: 500 },
        { identity: "sleepUntil:#0@0", until: 99_000 },
        { identity: "signal:go#0@0", delayMs: 2_000 },
      ],
      cancelTimers: ["signal:old#0@0"],
      run: { status: "running" },
      leaseMs: 1_000,
    });
  });

  it("passes the step's cancelled activity calls on as cancelTasks, and leaves the field out when there are none", () => {
    const result: StepResult = {
      events: [],
      commands: [],
      cancelTimers: [],
      cancelTasks: ["activity:charge#0@0"],
    };
    expect(commitOf(result).cancelTasks).toEqual(["activity:charge#0@0"]);
    expect("cancelTasks" in commitOf({ events: [], commands: [], cancelTimers: [] })).toBe(false);
    expect("cancelTasks" in commitOf({ ...result, cancelTasks: [] })).toBe(false);
  });

  it("maps each terminal outcome to the run row", () => {
    const error = { name: "Error", message: "x" };
    expect(
      commitOf({ events: [], commands: [], cancelTimers: [], outcome: { kind: "complete_run", result: 42 } })
        .run,
    ).toEqual({ status: "completed", result: 42 });
    expect(
      commitOf({ events: [], commands: [], cancelTimers: [], outcome: { kind: "fail_run", error } }).run,
    ).toEqual({ status: "failed", error });
    expect(
      commitOf({ events: [], commands: [], cancelTimers: [], outcome: { kind: "cancel_run", reason: "r" } })
        .run,
    ).toEqual({ status: "cancelled" });
  });

  it("names the successor of a run that continues as new, in the event and the run row", () => {
    const commit = commitOf({
      events: [{ kind: "run_continued", nextRunId: "", input: { page: 2 } }],
      commands: [],
      cancelTimers: [],
      outcome: { kind: "continue_as_new", input: { page: 2 } },
    });
    expect(commit.run).toEqual({ status: "continued", continuedTo: "next-run" });
    expect(commit.events).toEqual([{ kind: "run_continued", nextRunId: "next-run", input: { page: 2 } }]);
  });

  it("gives each child_started event a fresh run id and asks the journal to create that child with the step", () => {
    let n = 0;
    const started = (identity: string, workflowId: string): CommandEvent => ({
      kind: "child_started",
      identity,
      workflowName: "kid",
      workflowId,
      versionHash: "k1",
      input: { identity },
      parentClosePolicy: "abandon",
    });
    const commands = [
      started("child:kid#0@0", "r-1/child:kid#0@0"),
      started("startChild:kid#0@0", "given-id"),
    ];
    const commit = buildStepCommit({
      lease,
      lastSeq: 4,
      delivered: [],
      result: asResult({ events: commands, commands, cancelTimers: [] }),
      newRunId: () => `child-run-${++n}`,
    });
    expect(commit.events).toEqual([
      { ...commands[0], runId: "child-run-1" },
      { ...commands[1], runId: "child-run-2" },
    ]);
    expect(commit.children).toEqual([
      {
        runId: "child-run-1",
        workflowId: "r-1/child:kid#0@0",
        workflowName: "kid",
        versionHash: "k1",
        input: { identity: "child:kid#0@0" },
        parentIdentity: "child:kid#0@0",
        parentClosePolicy: "abandon",
      },
      {
        runId: "child-run-2",
        workflowId: "given-id",
        workflowName: "kid",
        versionHash: "k1",
        input: { identity: "startChild:kid#0@0" },
        parentIdentity: "startChild:kid#0@0",
        parentClosePolicy: "abandon",
      },
    ]);
    expect(commit.tasks).toEqual([]);
    expect(commitOf({ events: [], commands: [], cancelTimers: [] }).children).toBeUndefined();
  });
});
