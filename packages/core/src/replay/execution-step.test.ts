import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import { activity, defineActivity, signal, sleep, workflow } from "../workflow/index.ts";
import { createExecution } from "./create-execution.ts";
import { EngineSimulator, resolve, testStamp } from "./test-support/engine-simulator.ts";

const task = defineActivity("task", async (n: number) => n * 10);
const stamped = workflow.stamped(testStamp(["activity:task#0", "sleep:#0", "signal:go#0"]));

const fanOut = stamped("fan-out", { version: 1 }, async (count: number) => {
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) => activity.at("activity:task#0")(task, i)),
  );
  await sleep.at("sleep:#0")(100);
  return results.reduce((a, b) => a + b, 0);
});

describe("Execution.step", () => {
  it("returns the commands issued past the end of the history on the first step", async () => {
    const execution = await createExecution(fanOut, {
      runId: "r",
      workflowId: "w",
      history: [{ kind: "run_started", workflowName: "fan-out", versionHash: "x", input: 3, seq: 1, at: 5 }],
    });
    expect(execution.lastSeq).toBe(1);
    const first = await execution.step({ now: 10, deliveries: [] });
    expect(first.events.map((e) => ("identity" in e ? e.identity : e.kind))).toEqual([
      "activity:task#0@0",
      "activity:task#0@1",
      "activity:task#0@2",
    ]);
    expect(first.commands).toEqual(first.events);
    expect(execution.lastSeq).toBe(4);
    const idle = await execution.step({ now: 11, deliveries: [] });
    expect(idle).toEqual({ events: [], commands: [], cancelTimers: [], cancelTasks: [] });
  });

  it("orders events as delivery, then what it caused, and journals the terminal event last", async () => {
    const sim = await EngineSimulator.start(fanOut, 2);
    const mid = await sim.step([
      resolve.completed("activity:task#0@1", 10),
      resolve.completed("activity:task#0@0", 0),
    ]);
    expect(mid.events.map((e) => e.kind)).toEqual([
      "activity_completed",
      "activity_completed",
      "timer_started",
    ]);
    // Deliveries that arrive in the same step after the code finished are still journaled, before the terminal event.
    const end = await sim.step([
      resolve.fired("sleep:#0@0"),
      resolve.signal("late", 1),
      resolve.cancel("too late"),
    ]);
    expect(end.events.map((e) => e.kind)).toEqual([
      "timer_fired",
      "signal_received",
      "cancel_requested",
      "run_completed",
    ]);
    expect(end.commands).toEqual([{ kind: "complete_run", result: 10 }]);
    expect(end.outcome).toEqual({ kind: "complete_run", result: 10 });
    expect((await sim.replay()).finished).toBe(true);
  });

  it("refuses a step after the run finished, two steps at once, and a step after dispose", async () => {
    const sim = await EngineSimulator.start(fanOut, 0);
    await sim.step([resolve.fired("sleep:#0@0")]);
    const finished = sim.execution;
    expect(finished?.finished).toBe(true);
    await expect(finished?.step({ now: 1, deliveries: [] })).rejects.toSatisfy((e) =>
      isContinuumError(e, ErrorCode.InvalidArgument),
    );

    const other = await EngineSimulator.start(fanOut, 1);
    const execution = other.execution;
    if (execution === undefined) throw new Error("no execution");
    const a = execution.step({ now: 1, deliveries: [resolve.completed("activity:task#0@0", 10)] });
    await expect(execution.step({ now: 1, deliveries: [] })).rejects.toThrow(/another step/);
    await a;
    execution.dispose();
    await expect(execution.step({ now: 2, deliveries: [] })).rejects.toThrow(/dispose/);
  });

  it("ignores resolutions for effects nobody waits on (race losers, unknown identities)", async () => {
    const racing = stamped("racing", { version: 1 }, async () => {
      const winner = await Promise.race([
        activity
          .at("activity:task#0")(task, 1)
          .then(() => "task"),
        sleep
          .at("sleep:#0")(5)
          .then(() => "timer"),
      ]);
      const next = await signal.at("signal:go#0")<string>("go");
      return `${winner}/${next}`;
    });
    const sim = await EngineSimulator.start(racing, undefined);
    await sim.step([resolve.fired("sleep:#0@0")]);
    await sim.step([resolve.completed("activity:task#0@0", 10), resolve.fired("sleep:#0@99")]);
    const end = await sim.step([resolve.signal("go", "yes")]);
    expect(end.outcome).toEqual({ kind: "complete_run", result: "timer/yes" });
    expect((await sim.replay()).finished).toBe(true);
  });

  it("a replayed execution continues exactly like the one that never stopped (sticky vs. cold)", async () => {
    const sticky = await EngineSimulator.start(fanOut, 3);
    await sticky.step([resolve.completed("activity:task#0@2", 20)]);
    const cold = new EngineSimulator(fanOut, sticky.runId);
    cold.history.push(...sticky.history);
    cold.execution = await cold.replay();
    expect(cold.execution.lastSeq).toBe(sticky.history.length);
    const rest = [resolve.completed("activity:task#0@0", 0), resolve.completed("activity:task#0@1", 10)];
    const a = await sticky.step(rest);
    const b = await cold.execution.step({ now: 0, deliveries: rest });
    expect(b.events).toEqual(a.events);
    expect(b.commands).toEqual(a.commands);
  });
});

describe("code that waits on something other than effects", () => {
  it("is not journaled when it ends outside its turn; the next step throws instead", async () => {
    let wake: () => void = () => {};
    const outside = new Promise<void>((r) => (wake = r));
    const stray = stamped("stray", { version: 1 }, async () => {
      await sleep.at("sleep:#0")(1);
      await outside;
      return "ended outside";
    });
    const sim = await EngineSimulator.start(stray, undefined);
    await sim.step([resolve.fired("sleep:#0@0")]);
    wake();
    await new Promise((r) => setTimeout(r, 5));
    await expect(sim.step([])).rejects.toThrow(/not a Continuum effect/);
    expect(sim.history.map((e) => e.kind)).toEqual(["run_started", "timer_started", "timer_fired"]);
  });
});
