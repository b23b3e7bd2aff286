import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import { activity, defineActivity, isTimeout, signal, sleep, workflow } from "../workflow/index.ts";
import { EngineSimulator, resolve, testStamp } from "./test-support/engine-simulator.ts";

const remind = defineActivity("review.remind", async () => "ok");

describe("signal waits that lost a Promise.race (review finding 4)", () => {
  // Promise.race over a signal and a timer: the losing signal wait must not swallow the next
  // signal of that name, which the second wait is for.
  const approval = workflow.stamped(
    testStamp(["signal:approve#0", "sleep:#0", "activity:remind#0", "signal:approve#1"]),
  )("review.race", { version: 1 }, async () => {
    const first = await Promise.race([
      signal.at("signal:approve#0")<string>("approve"),
      sleep
        .at("sleep:#0")(1_000)
        .then(() => "timeout"),
    ]);
    if (first !== "timeout") return `early:${first}`;
    await activity.at("activity:remind#0")(remind);
    const second = await signal.at("signal:approve#1")<string>("approve");
    return `late:${second}`;
  });

  it("does not swallow the next signal of the same name", async () => {
    const sim = await EngineSimulator.start(approval, undefined);
    await sim.step([resolve.fired("sleep:#0@0")]); // the timer wins the race
    await sim.step([resolve.completed("activity:remind#0@0", "ok")]); // now waits on signal:approve#1
    const done = await sim.step([resolve.signal("approve", "yes")]);
    expect(done.outcome).toEqual({ kind: "complete_run", result: "late:yes" });
    expect((await sim.replay()).finished).toBe(true);
  });

  it("a replaced timed wait gives back its timer; the replaced wait rejects with CTM_SIGNAL_WAIT_REPLACED if awaited", async () => {
    const wf = workflow.stamped(testStamp(["signal:go#0", "sleep:#0", "signal:go#1"]))(
      "signal.replaced",
      { version: 1 },
      async () => {
        const old = signal.at("signal:go#0")<string>("go", { timeout: 60_000 });
        await sleep.at("sleep:#0")(10);
        const fresh = signal.at("signal:go#1")<string>("go");
        const got = await fresh;
        try {
          await old;
          return `old resolved, fresh ${got}`;
        } catch (error) {
          return isContinuumError(error, ErrorCode.SignalWaitReplaced)
            ? `fresh ${got}; old replaced by ${String((error.data as { replacedBy?: unknown }).replacedBy)}`
            : String(error);
        }
      },
    );
    const sim = await EngineSimulator.start(wf, undefined);
    const second = await sim.step([resolve.fired("sleep:#0@0")]);
    expect(second.cancelTimers).toEqual(["signal:go#0@0"]);
    const done = await sim.step([resolve.signal("go", "yes")]);
    expect(done.outcome).toEqual({
      kind: "complete_run",
      result: "fresh yes; old replaced by signal:go#1@0",
    });
    expect((await sim.replay()).finished).toBe(true);
  });

  it("waits started in the same step are all served, first started first", async () => {
    const wf = workflow.stamped(testStamp(["signal:vote#0"]))("signal.together", { version: 1 }, async () => {
      const votes = await Promise.all([0, 1, 2].map(() => signal.at("signal:vote#0")<string>("vote")));
      return votes.join(",");
    });
    const sim = await EngineSimulator.start(wf, undefined);
    await sim.step([resolve.signal("vote", "a")]);
    const done = await sim.step([resolve.signal("vote", "b"), resolve.signal("vote", "c")]);
    expect(done.outcome).toEqual({ kind: "complete_run", result: "a,b,c" });
  });

  it("a loop racing a signal against a timer takes each signal exactly once", async () => {
    const wf = workflow.stamped(testStamp(["signal:ping#0", "sleep:#0"]))(
      "signal.loop",
      { version: 1 },
      async () => {
        const seen: string[] = [];
        while (seen.length < 3) {
          const got = await Promise.race([
            signal.at("signal:ping#0")<string>("ping"),
            sleep
              .at("sleep:#0")(1_000)
              .then(() => "tick"),
          ]);
          seen.push(got);
        }
        return seen.join(",");
      },
    );
    const sim = await EngineSimulator.start(wf, undefined);
    await sim.step([resolve.fired("sleep:#0@0")]); // tick; the first ping wait lost
    await sim.step([resolve.signal("ping", "p1")]); // taken by the second iteration's wait
    const done = await sim.step([resolve.signal("ping", "p2")]);
    expect(done.outcome).toEqual({ kind: "complete_run", result: "tick,p1,p2" });
    expect((await sim.replay()).finished).toBe(true);
  });

  it("with { timeout } instead of Promise.race, a signal that arrives before the next wait starts waits in the mailbox for it", async () => {
    // (A Promise.race loser would still be pending then and take it: the documented limit.)
    const wf = workflow.stamped(
      testStamp(["signal:approve#0", "sleep:#0", "activity:remind#0", "signal:approve#1"]),
    )("signal.between", { version: 1 }, async () => {
      const first = await signal.at("signal:approve#0")<string>("approve", { timeout: 1_000 });
      if (!isTimeout(first)) return `early:${first}`;
      await activity.at("activity:remind#0")(remind);
      return `late:${await signal.at("signal:approve#1")<string>("approve")}`;
    });
    // With { timeout } instead of Promise.race, the timed-out wait is gone: the signal stays in the mailbox.
    const sim = await EngineSimulator.start(wf, undefined);
    await sim.step([resolve.fired("signal:approve#0@0")]);
    await sim.step([resolve.signal("approve", "yes")]); // arrives while the activity runs
    const done = await sim.step([resolve.completed("activity:remind#0@0", "ok")]);
    expect(done.outcome).toEqual({ kind: "complete_run", result: "late:yes" });
  });
});
