import { AsyncLocalStorage } from "node:async_hooks";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import type { HistoryEvent } from "../model/index.ts";
import {
  ActivityFailure,
  CancelledError,
  activity,
  complete,
  defineActivity,
  isTimeout,
  log,
  nonCancellable,
  now,
  random,
  sideEffect,
  signal,
  sleep,
  sleepUntil,
  today,
  uuid4,
  workflow,
} from "../workflow/index.ts";
import type { LogSink } from "./execution-contract.ts";
import { EngineSimulator, resolve, testStamp } from "./test-support/engine-simulator.ts";

const ping = defineActivity("ping", async (n: number) => n + 1);
const stamped = workflow.stamped(testStamp(["test"]));

function lastOf(history: readonly HistoryEvent[], kind: HistoryEvent["kind"]): HistoryEvent | undefined {
  return [...history].reverse().find((e) => e.kind === kind);
}

describe("deterministic values", () => {
  const values = stamped("values", { version: 1 }, async () => {
    const a = now.at("now:#0")();
    const d = today.at("today:#0")();
    const id = uuid4.at("uuid4:#0")();
    const r = random.at("random:#0")();
    const s = await sideEffect.at("sideEffect:#0")(() => ({
      at: Math.random(),
      when: new Date(Math.floor(Math.random() * 1e12)),
    }));
    const t = await sideEffect.at("sideEffect:#1")(async () => Math.random().toString(36));
    await sleep.at("sleep:#0")(10);
    return { a, d, id, r, s, t, again: now.at("now:#0")() };
  });

  it("records now/today/uuid4/random/sideEffect once and replays the same values", async () => {
    const sim = await EngineSimulator.start(values, undefined);
    expect(sim.history.map((e) => e.kind)).toEqual([
      "run_started",
      "value_recorded",
      "value_recorded",
      "value_recorded",
      "value_recorded",
      "value_recorded",
      "value_recorded",
      "timer_started",
    ]);
    const startClock = sim.history[0]?.at as number;
    expect(sim.history[1]).toMatchObject({ identity: "now:#0@0", value: startClock });
    expect(sim.history[2]).toMatchObject({
      identity: "today:#0@0",
      value: new Date(startClock).toISOString().slice(0, 10),
    });
    expect(String((sim.history[3] as { value: unknown }).value)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const done = await sim.step([resolve.fired("sleep:#0@0")]);
    expect(done.events.map((e) => e.kind)).toEqual(["timer_fired", "value_recorded", "run_completed"]);
    const live = done.outcome?.kind === "complete_run" ? done.outcome.result : undefined;
    expect(live).toMatchObject({ a: { $t: "date" }, again: { $t: "date" } });

    // Replaying the same history in a fresh execution gives the same result, byte for byte.
    const again = new EngineSimulator(values, "run-1");
    again.history.push(...sim.history.slice(0, 8));
    again.execution = await again.replay(values);
    const replayed = await again.execution.step({
      now: sim.history.at(-1)?.at as number,
      deliveries: [resolve.fired("sleep:#0@0")],
    });
    expect(replayed.outcome).toEqual(done.outcome);
    expect(replayed.events).toEqual(done.events);
  });

  it("records a sideEffect that throws and rethrows the same error on replay", async () => {
    const flaky = stamped("flaky", { version: 1 }, async () => {
      try {
        await sideEffect.at("sideEffect:#0")(() => {
          throw new RangeError(`boom ${Math.random()}`);
        });
        return "no error";
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    });
    const sim = await EngineSimulator.start(flaky, undefined);
    const outcome = sim.outcome;
    expect(outcome?.kind).toBe("complete_run");
    expect(String(outcome?.kind === "complete_run" ? outcome.result : "")).toMatch(/^RangeError: boom 0\./);
    expect(sim.history[1]).toMatchObject({
      kind: "value_recorded",
      value: { error: { name: "RangeError" } },
    });
    const replay = await sim.replay();
    expect(replay.finished).toBe(true);
  });
});

describe("sideEffect misuse", () => {
  it("an effect called inside a sideEffect function is refused (and recorded as the sideEffect's error)", async () => {
    const nested = stamped("nested", { version: 1 }, async () => {
      try {
        await sideEffect.at("sideEffect:#0")(() => now.at("now:#0")().getTime());
        return "accepted";
      } catch (e) {
        return isContinuumError(e, ErrorCode.EffectOutsideWorkflow) ? "refused" : String(e);
      }
    });
    const sim = await EngineSimulator.start(nested, undefined);
    expect(sim.outcome).toEqual({ kind: "complete_run", result: "refused" });
    expect(sim.history.map((e) => e.kind)).toEqual(["run_started", "value_recorded", "run_completed"]);
    expect((await sim.replay()).finished).toBe(true);
  });
});

describe("log", () => {
  it("reaches the sink while live and never while replaying", async () => {
    const wf = stamped("logging", { version: 1 }, async () => {
      log.at("log:#0")("starting", { step: 1 });
      await sleep.at("sleep:#0")(5);
      log.at("log:#1")("warn", "woke up");
      await sleep.at("sleep:#1")(5);
      log.at("log:#2")("error", "done", { n: 3 });
      return "ok";
    });
    const entries: Parameters<LogSink>[0][] = [];
    const sim = await EngineSimulator.start(wf, undefined, { logSink: (entry) => entries.push(entry) });
    await sim.step([resolve.fired("sleep:#0@0")]);
    expect(entries).toEqual([
      { runId: "run-1", level: "info", message: "starting", data: { step: 1 } },
      { runId: "run-1", level: "warn", message: "woke up" },
    ]);

    const replayed: Parameters<LogSink>[0][] = [];
    const execution = await sim.replay(wf, { logSink: (entry) => replayed.push(entry) });
    expect(replayed).toEqual([]);
    await execution.step({ now: 1, deliveries: [resolve.fired("sleep:#1@0")] });
    expect(replayed).toEqual([{ runId: "run-1", level: "error", message: "done", data: { n: 3 } }]);
  });
});

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

describe("failures", () => {
  it("an activity that failed for good rejects with a typed ActivityFailure the workflow can catch", async () => {
    const wf = stamped("catching", { version: 1 }, async () => {
      try {
        await activity.at("activity:ping#0")(ping, 1);
        return "no failure";
      } catch (e) {
        if (!(e instanceof ActivityFailure)) return `wrong type ${String(e)}`;
        const cause = e.cause as Error & { code?: string };
        return {
          name: e.activityName,
          attempts: e.attempts,
          causeName: cause.name,
          causeMessage: cause.message,
          code: e.code,
        };
      }
    });
    const sim = await EngineSimulator.start(wf, undefined);
    const end = await sim.step([resolve.failed("activity:ping#0@0", new TypeError("card declined"), 5)]);
    expect(end.outcome).toEqual({
      kind: "complete_run",
      result: {
        name: "ping",
        attempts: 5,
        causeName: "TypeError",
        causeMessage: "card declined",
        code: ErrorCode.ActivityFailure,
      },
    });
  });

  it("an uncaught error fails the run with the serialized error", async () => {
    class PaymentError extends Error {
      override name = "PaymentError";
      readonly orderId = "o-9";
    }
    const wf = stamped("throwing", { version: 1 }, async () => {
      await activity.at("activity:ping#0")(ping, 1);
      throw new PaymentError("insufficient funds");
    });
    const sim = await EngineSimulator.start(wf, undefined);
    const end = await sim.step([resolve.completed("activity:ping#0@0", 2)]);
    expect(end.outcome?.kind).toBe("fail_run");
    expect(end.outcome).toMatchObject({
      error: { name: "PaymentError", message: "insufficient funds", data: { orderId: "o-9" } },
    });
    expect(end.events.at(-1)).toMatchObject({ kind: "run_failed", error: { name: "PaymentError" } });
  });

  it("an unserializable result fails the run naming the path", async () => {
    const wf = stamped("bad-result", { version: 1 }, async () => ({ callback: () => 1 }));
    const sim = await EngineSimulator.start(wf, undefined);
    expect(sim.outcome).toMatchObject({ kind: "fail_run", error: { code: ErrorCode.Unserializable } });
  });
});

describe("cancellation", () => {
  const careful = stamped("careful", { version: 1 }, async () => {
    try {
      await Promise.all([activity.at("activity:ping#0")(ping, 1), sleep.at("sleep:#0")(1_000)]);
      return "finished";
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
      await nonCancellable(() => activity.at("activity:ping#1")(ping, 99));
      return complete(`cleaned up after ${e.reason ?? "?"}`);
    }
  });

  it("rejects pending effects with CancelledError; a workflow that catches it can clean up and complete", async () => {
    const sim = await EngineSimulator.start(careful, undefined, { effectScopes: new AsyncLocalStorage() });
    const cancelled = await sim.step([resolve.cancel("operator")]);
    expect(cancelled.cancelTimers).toEqual(["sleep:#0@0"]);
    expect(cancelled.events.map((e) => e.kind)).toEqual(["cancel_requested", "activity_scheduled"]);
    const end = await sim.step([resolve.completed("activity:ping#1@0", 100)]);
    expect(end.outcome).toEqual({ kind: "complete_run", result: "cleaned up after operator" });
    expect((await sim.replay()).finished).toBe(true);
  });

  it("a workflow that lets CancelledError escape ends cancel_run", async () => {
    const plain = stamped("plain", { version: 1 }, async () => {
      await signal.at("signal:never#0")("never");
      return "signalled";
    });
    const sim = await EngineSimulator.start(plain, undefined);
    const end = await sim.step([resolve.cancel("no longer needed")]);
    expect(end.outcome).toEqual({ kind: "cancel_run", reason: "no longer needed" });
    expect(end.events).toEqual([
      { kind: "cancel_requested", reason: "no longer needed" },
      { kind: "run_cancelled", reason: "no longer needed" },
    ]);
    const replay = await sim.replay();
    expect(replay.finished).toBe(true);
  });
});

describe("untransformed code", () => {
  it("an effect without .at inside an execution throws CTM_EFFECT_NOT_STAMPED at the caller, and the run goes on", async () => {
    const wf = stamped("unstamped", { version: 1 }, async () => {
      await sleep.at("sleep:#0")(1);
      let caught: unknown;
      try {
        await sleep(5);
      } catch (e) {
        caught = e;
      }
      if (!isContinuumError(caught, ErrorCode.EffectNotStamped)) return "not refused";
      await sleep.at("sleep:#1")(1);
      return (caught as Error).message;
    });
    const sim = await EngineSimulator.start(wf, undefined);
    await sim.step([resolve.fired("sleep:#0@0")]);
    const end = await sim.step([resolve.fired("sleep:#1@0")]);
    expect(end.outcome?.kind).toBe("complete_run");
    expect(String(end.outcome?.kind === "complete_run" ? end.outcome.result : "")).toContain(
      'sleep.at("<cursor>")',
    );
    expect(sim.history.map((e) => e.kind)).toEqual([
      "run_started",
      "timer_started",
      "timer_fired",
      "timer_started",
      "timer_fired",
      "run_completed",
    ]);
  });

  it("an uncaught unstamped call fails the run with CTM_EFFECT_NOT_STAMPED", async () => {
    const wf = stamped("unstamped-uncaught", { version: 1 }, async () => {
      await now();
      return "unreachable";
    });
    const sim = await EngineSimulator.start(wf, undefined);
    expect(sim.outcome).toMatchObject({ kind: "fail_run", error: { code: ErrorCode.EffectNotStamped } });
  });

  it("createExecution refuses a workflow without a stamp", async () => {
    const plain = workflow("plain", { version: 1 }, async () => 1);
    const error = await EngineSimulator.start(plain, undefined).catch((e: unknown) => e);
    expect(isContinuumError(error, ErrorCode.WorkflowNotTransformed)).toBe(true);
  });
});
