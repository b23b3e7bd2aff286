import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import { isTimeout, signal, sleep, sleepUntil } from "../workflow/index.ts";
import { EngineSimulator, resolve } from "./test-support/engine-simulator.ts";
import { stamped, lastOf } from "./test-support/primitive-fixtures.ts";

// Workflow primitives in the engine simulator: timers and signals.

describe("timers", () => {
  it("sleep and sleepUntil journal timer_started with delayMs or until", async () => {
    const wf = stamped("timers", { version: 1 }, async () => {
      await sleep.at("sleep:#0")(1_500);
      await sleepUntil.at("sleepUntil:#0")(new Date(Date.UTC(2030, 0, 1)));
      await sleepUntil.at("sleepUntil:#0")(Date.UTC(2031, 0, 1));
      return "woke";
    });
    const sim = await EngineSimulator.start(wf, undefined);
    expect(sim.history[1]).toMatchObject({ kind: "timer_started", identity: "sleep:#0@0", delayMs: 1_500 });
    expect(sim.history[1]).not.toHaveProperty("until");
    await sim.step([resolve.fired("sleep:#0@0")]);
    expect(lastOf(sim.history, "timer_started")).toMatchObject({
      identity: "sleepUntil:#0@0",
      until: Date.UTC(2030, 0, 1),
    });
    await sim.step([resolve.fired("sleepUntil:#0@0")]);
    expect(lastOf(sim.history, "timer_started")).toMatchObject({
      identity: "sleepUntil:#0@1",
      until: Date.UTC(2031, 0, 1),
    });
    const end = await sim.step([resolve.fired("sleepUntil:#0@1")]);
    expect(end.outcome).toEqual({ kind: "complete_run", result: "woke" });
  });

  it("refuse negative or non-finite delays with CTM_INVALID_ARGUMENT inside the workflow", async () => {
    const wf = stamped("bad-timer", { version: 1 }, async () => {
      try {
        await sleep.at("sleep:#0")(-1);
      } catch (e) {
        return isContinuumError(e, ErrorCode.InvalidArgument) ? "refused" : "other";
      }
      return "slept";
    });
    const sim = await EngineSimulator.start(wf, undefined);
    expect(sim.outcome).toEqual({ kind: "complete_run", result: "refused" });
  });
});

describe("signals", () => {
  const twoSignals = stamped("signals", { version: 1 }, async () => {
    await sleep.at("sleep:#0")(1);
    const first = await signal.at("signal:go#0")<string>("go");
    const second = await signal.at("signal:go#1")<string>("go");
    return [first, second];
  });

  it("keeps signals that arrive before anybody waits, first waiter takes the first one", async () => {
    const sim = await EngineSimulator.start(twoSignals, undefined);
    await sim.step([resolve.signal("go", "a"), resolve.signal("go", "b")]);
    expect(sim.outcome).toBeUndefined();
    const end = await sim.step([resolve.fired("sleep:#0@0")]);
    expect(end.outcome).toEqual({ kind: "complete_run", result: ["a", "b"] });
    // Waits served from the mailbox are still journaled, without a timeout.
    expect(end.events.map((e) => e.kind)).toEqual([
      "timer_fired",
      "signal_wait_started",
      "signal_wait_started",
      "run_completed",
    ]);
    expect((await sim.replay()).finished).toBe(true);
  });

  it("delivers to waiters in the order they started waiting", async () => {
    const parallel = stamped("parallel-signals", { version: 1 }, async () => {
      const a = signal.at("signal:go#0")<number>("go");
      const b = signal.at("signal:go#1")<number>("go");
      return Promise.all([a, b]);
    });
    const sim = await EngineSimulator.start(parallel, undefined);
    const end = await sim.step([
      resolve.signal("go", 1),
      resolve.signal("other", 9),
      resolve.signal("go", 2),
    ]);
    expect(end.outcome).toEqual({ kind: "complete_run", result: [1, 2] });
  });

  const timed = stamped("timed", { version: 1 }, async () => {
    const answer = await signal.at("signal:answer#0")<string>("answer", { timeout: 60_000 });
    return isTimeout(answer) ? "timed out" : answer;
  });

  it("a timeout that the journal delivers first wins the race", async () => {
    const sim = await EngineSimulator.start(timed, undefined);
    expect(sim.history[1]).toMatchObject({
      kind: "signal_wait_started",
      identity: "signal:answer#0@0",
      name: "answer",
      timeoutMs: 60_000,
    });
    expect(sim.open.timers.has("signal:answer#0@0")).toBe(true);
    const end = await sim.step([resolve.fired("signal:answer#0@0"), resolve.signal("answer", "late")]);
    expect(end.outcome).toEqual({ kind: "complete_run", result: "timed out" });
    expect(end.cancelTimers).toEqual([]);
    expect((await sim.replay()).finished).toBe(true);
  });

  it("a signal that the journal delivers first wins and cancels the timeout timer", async () => {
    const sim = await EngineSimulator.start(timed, undefined);
    const end = await sim.step([resolve.signal("answer", "yes"), resolve.fired("signal:answer#0@0")]);
    expect(end.outcome).toEqual({ kind: "complete_run", result: "yes" });
    expect(end.cancelTimers).toEqual(["signal:answer#0@0"]);
    expect((await sim.replay()).finished).toBe(true);
  });
});
