import { AsyncLocalStorage } from "node:async_hooks";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import {
  ActivityFailure,
  CancelledError,
  activity,
  complete,
  nonCancellable,
  now,
  signal,
  sleep,
  workflow,
} from "../workflow/index.ts";
import { EngineSimulator, resolve } from "./test-support/engine-simulator.ts";
import { ping, stamped } from "./test-support/primitive-fixtures.ts";

// Workflow primitives in the engine simulator: failures, cancellation and untransformed code.

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
