import { AsyncLocalStorage } from "node:async_hooks";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import type { ExecutionOptions } from "./execution-contract.ts";
import {
  activity,
  awaitChild,
  cancellable,
  compensateAll,
  complete,
  defineActivity,
  isCancellation,
  nonCancellable,
  sleep,
  startChild,
  workflow,
} from "../workflow/index.ts";
import type { AnyWorkflowDefinition } from "../workflow/index.ts";
import { EngineSimulator, resolve, testStamp } from "./test-support/engine-simulator.ts";

const work = defineActivity("work", async (what: string) => what);
const notify = defineActivity("notify", async (what: string) => what);
const undo = defineActivity("undo", async (what: string) => what);
const stamped = workflow.stamped(testStamp(["cancellation-scopes"]));
const effectScopes = new AsyncLocalStorage<never>();

function start(definition: AnyWorkflowDefinition, input: unknown, options: ExecutionOptions = {}) {
  return EngineSimulator.start(definition, input, { effectScopes, ...options });
}

const scheduled = (sim: EngineSimulator): string[] =>
  sim.history.flatMap((e) => (e.kind === "activity_scheduled" ? [e.identity] : []));

/** The run must replay from scratch to the same end without drift. */
async function expectReplays(sim: EngineSimulator): Promise<void> {
  const again = await sim.replay();
  expect(again.finished).toBe(true);
  expect(again.lastSeq).toBe(sim.history.length);
}

describe("a cancelled run rejects every effect it starts afterwards", () => {
  const swallowing = stamped("swallowing", { version: 1 }, async () => {
    const outcomes: string[] = [];
    for (const what of ["a", "b", "c"]) {
      try {
        outcomes.push(await activity.at("activity:work#0")(work, what));
      } catch (error) {
        outcomes.push(isCancellation(error) ? `cancelled:${what}` : "other");
      }
    }
    return outcomes;
  });

  it("the next effects after a caught cancellation are rejected at once, nothing is scheduled, the run ends cancelled", async () => {
    const sim = await start(swallowing, undefined);
    const step = await sim.step([resolve.cancel("stop")]);
    // Not waiting forever on b and c: each is rejected at once, none is journaled.
    expect(step.outcome).toEqual({ kind: "cancel_run", reason: "stop" });
    expect(step.cancelTasks).toEqual(["activity:work#0@0"]);
    expect(scheduled(sim)).toEqual(["activity:work#0@0"]);
    await expectReplays(sim);
  });

  it("awaitChild after a caught cancellation is rejected too (it used to wait forever)", async () => {
    const kid = workflow.stamped(testStamp([]))("kid", { version: 1 }, async () => "done");
    const parent = stamped("parent", { version: 1 }, async () => {
      const first = await startChild.at("startChild:kid#0")(kid, undefined);
      const second = await startChild.at("startChild:kid#1")(kid, undefined);
      try {
        await awaitChild.at("awaitChild:#0")(first);
      } catch {
        // swallowed
      }
      return awaitChild.at("awaitChild:#1")(second);
    });
    const sim = await start(parent, undefined);
    const end = await sim.step([resolve.cancel()]);
    expect(end.outcome).toEqual({ kind: "cancel_run" });
    await expectReplays(sim);
  });

  it("a run that returns normally after the cancel ends cancelled; complete(value) makes it complete", async () => {
    const quiet = stamped("quiet", { version: 1 }, async (explicit: boolean) => {
      try {
        await sleep.at("sleep:#0")(60_000);
      } catch {
        if (explicit) return complete("finished anyway");
      }
      return "slept";
    });
    const swallowed = await start(quiet, false);
    expect((await swallowed.step([resolve.cancel("why")])).outcome).toEqual({
      kind: "cancel_run",
      reason: "why",
    });
    const explicit = await start(quiet, true);
    const end = await explicit.step([resolve.cancel("why")]);
    expect(end.outcome).toEqual({ kind: "complete_run", result: "finished anyway" });
    expect(end.cancelTimers).toEqual(["sleep:#0@0"]);
    await expectReplays(swallowed);
    await expectReplays(explicit);
  });

  it("complete(value) without a cancellation changes nothing", async () => {
    const plain = stamped("plain", { version: 1 }, async () => complete(7));
    const sim = await start(plain, undefined);
    expect(sim.outcome).toEqual({ kind: "complete_run", result: 7 });
  });
});

describe("nonCancellable", () => {
  const cleanup = stamped("cleanup", { version: 1 }, async () => {
    try {
      await activity.at("activity:work#0")(work, "main");
      return "done";
    } catch (error) {
      if (!isCancellation(error)) throw error;
      const sent = await nonCancellable(async () => {
        const first = await activity.at("activity:notify#0")(notify, "customer");
        // Still shielded after an await: the scope follows the code across turns.
        const second = await activity.at("activity:notify#1")(notify, "ops");
        return `${first}+${second}`;
      });
      return complete(`cleaned up: ${sent}`);
    }
  });

  it("runs cleanup after a cancellation; a second cancel request does not reach it", async () => {
    const sim = await start(cleanup, undefined);
    const cancelled = await sim.step([resolve.cancel("first")]);
    expect(cancelled.cancelTasks).toEqual(["activity:work#0@0"]);
    expect(scheduled(sim)).toEqual(["activity:work#0@0", "activity:notify#0@0"]);
    const again = await sim.step([resolve.cancel("second")]);
    expect(again.cancelTasks).toEqual([]);
    await sim.step([resolve.completed("activity:notify#0@0", "customer")]);
    expect(scheduled(sim).at(-1)).toBe("activity:notify#1@0");
    const end = await sim.step([resolve.completed("activity:notify#1@0", "ops")]);
    expect(end.outcome).toEqual({ kind: "complete_run", result: "cleaned up: customer+ops" });
    await expectReplays(sim);
  });

  it("compensations need no scope: compensateAll() after a cancellation still runs", async () => {
    const saga = stamped("saga", { version: 1 }, async () => {
      await activity.at("activity:work#0")(work, "booked", { compensate: [undo, "booked"] });
      try {
        await sleep.at("sleep:#0")(1_000);
      } catch (error) {
        await compensateAll.at("compensateAll:#0")();
        throw error;
      }
    });
    const sim = await start(saga, undefined);
    await sim.step([resolve.completed("activity:work#0@0", "booked")]);
    await sim.step([resolve.cancel()]);
    expect(scheduled(sim).at(-1)).toBe("compensateAll:#0@0");
    const end = await sim.step([resolve.completed("compensateAll:#0@0", "undone")]);
    expect(end.outcome).toEqual({ kind: "cancel_run" });
    await expectReplays(sim);
  });

  it("onCancel: compensate runs the compensations also when the code swallowed the cancellation", async () => {
    const saga = stamped("saga.exit", { version: 1, onCancel: "compensate" }, async () => {
      await activity.at("activity:work#0")(work, "booked", { compensate: [undo, "booked"] });
      try {
        await sleep.at("sleep:#0")(1_000);
      } catch {
        return "swallowed";
      }
      return "slept";
    });
    const sim = await start(saga, undefined);
    await sim.step([resolve.completed("activity:work#0@0", "booked")]);
    await sim.step([resolve.cancel()]);
    expect(scheduled(sim).at(-1)).toBe("compensateAll:$onExit#0@0");
    const end = await sim.step([resolve.completed("compensateAll:$onExit#0@0", "undone")]);
    expect(end.outcome).toEqual({ kind: "cancel_run" });
    await expectReplays(sim);
  });
});

describe("cancellable scopes", () => {
  it("cancel() on the loser of a race withdraws its task and timer; the run goes on uncancelled", async () => {
    const racing = stamped("racing", { version: 1 }, async () => {
      const slow = cancellable.at("cancellable:#0")(() => activity.at("activity:work#0")(work, "slow"));
      const timer = cancellable.at("cancellable:#1")(async () => {
        await sleep.at("sleep:#0")(5_000);
        return "timer";
      });
      const winner = await Promise.race([slow, timer]);
      slow.cancel("lost");
      timer.cancel("lost");
      const [slowOutcome, timerOutcome] = await Promise.allSettled([slow, timer]);
      const after = await activity.at("activity:work#1")(work, "after");
      return { winner, slow: slowOutcome.status, timer: timerOutcome.status, after };
    });
    const sim = await start(racing, undefined);
    const won = await sim.step([resolve.completed("activity:work#0@0", "slow")]);
    expect(won.cancelTimers).toEqual(["sleep:#0@0"]);
    expect(won.cancelTasks).toEqual([]);
    const end = await sim.step([resolve.completed("activity:work#1@0", "after")]);
    expect(end.outcome).toEqual({
      kind: "complete_run",
      result: { winner: "slow", slow: "fulfilled", timer: "rejected", after: "after" },
    });
    await expectReplays(sim);
  });

  it("a timeout cancels the scope by a journaled timer; a scope that finishes first withdraws its timer", async () => {
    const timed = stamped("timed", { version: 1 }, async () => {
      const fast = await cancellable.at("cancellable:#0")(
        () => activity.at("activity:work#0")(work, "fast"),
        {
          timeout: 10_000,
        },
      );
      try {
        await cancellable.at("cancellable:#0")(() => activity.at("activity:work#1")(work, "slow"), {
          timeout: 1_000,
        });
        return "slow finished";
      } catch (error) {
        return isCancellation(error) ? `${fast}; ${error.reason ?? ""}` : "other";
      }
    });
    const sim = await start(timed, undefined);
    expect(sim.history.filter((e) => e.kind === "timer_started").map((e) => e.identity)).toEqual([
      "cancellable:#0@0",
    ]);
    const first = await sim.step([resolve.completed("activity:work#0@0", "fast")]);
    expect(first.cancelTimers).toEqual(["cancellable:#0@0"]);
    const timedOut = await sim.step([resolve.fired("cancellable:#0@1")]);
    expect(timedOut.cancelTasks).toEqual(["activity:work#1@0"]);
    expect(timedOut.outcome).toEqual({
      kind: "complete_run",
      result: "fast; the cancellation scope timed out after 1000 ms",
    });
    await expectReplays(sim);
  });

  it("scopes nest: a run's cancel reaches cancellable scopes, not nonCancellable ones nor the scopes inside them", async () => {
    const nested = stamped("nested", { version: 1 }, async () => {
      const inner = cancellable.at("cancellable:#0")(() =>
        cancellable.at("cancellable:#1")(() => activity.at("activity:work#0")(work, "inner")),
      );
      const shielded = nonCancellable(() =>
        cancellable.at("cancellable:#2")(() => activity.at("activity:work#1")(work, "shielded")),
      );
      const [innerOutcome] = await Promise.allSettled([inner]);
      return complete({ inner: innerOutcome.status, shielded: await shielded });
    });
    const sim = await start(nested, undefined);
    const cancelled = await sim.step([resolve.cancel()]);
    expect(cancelled.cancelTasks).toEqual(["activity:work#0@0"]);
    const end = await sim.step([resolve.completed("activity:work#1@0", "shielded")]);
    expect(end.outcome).toEqual({
      kind: "complete_run",
      result: { inner: "rejected", shielded: "shielded" },
    });
    await expectReplays(sim);
  });

  it("a scope cancelled on its own cancels the scopes inside it, and its effects started later are rejected", async () => {
    const own = stamped("own", { version: 1 }, async () => {
      let resume: () => void = () => undefined;
      const gate = new Promise<void>((r) => (resume = r));
      const outer = cancellable.at("cancellable:#0")(async () => {
        const inner = cancellable.at("cancellable:#1")(() => activity.at("activity:work#0")(work, "inner"));
        await gate;
        const late = await Promise.allSettled([activity.at("activity:work#1")(work, "late")]);
        return [await Promise.allSettled([inner]), late].map(([r]) => r?.status);
      });
      outer.cancel("enough");
      resume();
      return outer;
    });
    const sim = await start(own, undefined);
    expect(sim.outcome).toEqual({ kind: "complete_run", result: ["rejected", "rejected"] });
    expect(sim.steps[0]?.cancelTasks).toEqual(["activity:work#0@0"]);
    expect(scheduled(sim)).toEqual(["activity:work#0@0"]);
    await expectReplays(sim);
  });

  it("an effect a settled scope left running is still reached by a later cancel of the run", async () => {
    const detached = stamped("detached", { version: 1 }, async () => {
      let left: Promise<string> | undefined;
      await cancellable.at("cancellable:#0")(async () => {
        left = activity.at("activity:work#0")(work, "left running");
      });
      const outcome = await Promise.allSettled([left]);
      return outcome[0]?.status;
    });
    const sim = await start(detached, undefined);
    const end = await sim.step([resolve.cancel()]);
    expect(end.cancelTasks).toEqual(["activity:work#0@0"]);
    expect(end.outcome).toEqual({ kind: "cancel_run" });
    await expectReplays(sim);
  });

  it("refuses scopes in an execution without async context (CTM_SCOPE_NEEDS_ASYNC_CONTEXT)", async () => {
    const scoped = stamped("scoped", { version: 1 }, async () => nonCancellable(async () => 1));
    const sim = await EngineSimulator.start(scoped, undefined);
    expect(sim.outcome).toMatchObject({
      kind: "fail_run",
      error: { code: ErrorCode.ScopeNeedsAsyncContext },
    });
  });

  it("refuses a bad timeout and a missing function with CTM_INVALID_ARGUMENT", async () => {
    const bad = stamped("bad", { version: 1 }, async (which: string) =>
      which === "timeout"
        ? cancellable.at("cancellable:#0")(async () => 1, { timeout: -1 })
        : nonCancellable(undefined as never),
    );
    for (const which of ["timeout", "fn"]) {
      const sim = await start(bad, which);
      expect(sim.outcome).toMatchObject({ kind: "fail_run", error: { code: ErrorCode.InvalidArgument } });
    }
  });
});

describe("cancel({ force: true }) terminates", () => {
  const stubborn = stamped("stubborn", { version: 1, onCancel: "compensate" }, async () => {
    await activity.at("activity:work#0")(work, "booked", { compensate: [undo, "booked"] });
    for (;;) {
      try {
        await nonCancellable(() =>
          Promise.all([activity.at("activity:work#1")(work, "again"), sleep.at("sleep:#0")(1_000)]),
        );
      } catch {
        // ignores every cancellation
      }
    }
  });

  it("ends the run at once: none of its code runs again, what it waited on is withdrawn", async () => {
    const sim = await start(stubborn, undefined);
    await sim.step([resolve.completed("activity:work#0@0", "booked")]);
    const soft = await sim.step([resolve.cancel("please")]);
    expect(soft.outcome).toBeUndefined(); // the code shields itself from a plain cancel
    const before = sim.history.length;
    const end = await sim.step([resolve.terminate("enough")]);
    expect(end.outcome).toEqual({ kind: "cancel_run", reason: "enough" });
    expect(end.cancelTasks).toEqual(["activity:work#1@0"]);
    expect(end.cancelTimers).toEqual(["sleep:#0@0"]);
    // Only the delivery and the terminal event: no onCancel compensation, no catch block ran.
    expect(sim.history.slice(before).map((e) => e.kind)).toEqual(["cancel_requested", "run_cancelled"]);
    await expectReplays(sim);
  });
});
