import { AsyncLocalStorage } from "node:async_hooks";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../packages/core/src/errors/error-code.ts";
import type { EffectScope } from "../../packages/core/src/workflow/effect-host.ts";
import { now, sideEffect, sleep, workflow } from "../../packages/core/src/workflow/index.ts";
import {
  EngineSimulator,
  resolve,
  testStamp,
} from "../../packages/core/src/replay/test-support/engine-simulator.ts";
import { createTestEnvironment } from "../../packages/core/src/testing/index.ts";

// Review finding 2. The engine gives every execution an AsyncLocalStorage (worker/registry.ts);
// the simulator is given one the same way.
const effectScopes = new AsyncLocalStorage<EffectScope>();

describe("an effect made outside its own turn", () => {
  it("is never journaled into another run's history", async () => {
    // Run A's async sideEffect fn resumes (after I/O) while run B's turn is open.
    let openGate: () => void = () => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const runA = workflow.stamped(testStamp(["sideEffect:#0", "now:#0"]))(
      "regression.cross-run.a",
      { version: 1 },
      async () => {
        const stamp = await sideEffect.at("sideEffect:#0")(async () => {
          await gate; // stands for a fetch() whose callback runs in the same event-loop phase as B's step
          return now.at("now:#0")().getTime(); // not allowed in sideEffect; the guard must refuse it
        });
        return stamp;
      },
    );
    const runB = workflow.stamped(testStamp(["sleep:#0", "sleep:#1"]))(
      "regression.cross-run.b",
      { version: 1 },
      async () => {
        await sleep.at("sleep:#0")(10);
        await sleep.at("sleep:#1")(10);
        return "b";
      },
    );

    const b = await EngineSimulator.start(runB, undefined, { runId: "run-b", effectScopes });
    const aStarted = EngineSimulator.start(runA, undefined, { runId: "run-a", effectScopes }); // A waits on its sideEffect
    await new Promise((r) => setTimeout(r, 5));
    const bStep = b.step([resolve.fired("sleep:#0@0")]); // B's turn is open from here...
    openGate(); // ...and A's sideEffect continues in the same tick
    const stepped = await bStep;
    const a = await aStarted;
    const foreign = stepped.events.filter((e) => "identity" in e && String(e.identity).startsWith("now:"));
    expect(foreign).toEqual([]);
    // A's sideEffect recorded the refusal as its error: the run failed with it, visibly.
    expect(a.outcome).toMatchObject({
      kind: "fail_run",
      error: {
        code: ErrorCode.EffectOutsideWorkflow,
        data: { data: { effect: "now", situation: "side-effect" } },
      },
    });
  });

  it("a run's code resumed by a foreign promise during another run's turn cannot reach that run", async () => {
    let openGate: () => void = () => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const outcome: { error?: unknown } = {};
    const stray = workflow.stamped(testStamp(["sleep:#0"]))(
      "regression.cross-run.stray",
      { version: 1 },
      async () => {
        await gate; // not an effect: the code resumes whenever the outside world says so
        try {
          await sleep.at("sleep:#0")(10);
        } catch (error) {
          outcome.error = error;
        }
        return "stray";
      },
    );
    const runB = workflow.stamped(testStamp(["sleep:#0", "sleep:#1"]))(
      "regression.cross-run.b2",
      { version: 1 },
      async () => {
        await sleep.at("sleep:#0")(10);
        await sleep.at("sleep:#1")(10);
        return "b";
      },
    );
    const b = await EngineSimulator.start(runB, undefined, { runId: "run-b2", effectScopes });
    await EngineSimulator.start(stray, undefined, { runId: "run-stray", effectScopes });
    const bStep = b.step([resolve.fired("sleep:#0@0")]);
    openGate();
    const stepped = await bStep;
    expect(stepped.events.map((e) => ("identity" in e ? e.identity : e.kind))).toEqual([
      "sleep:#0@0",
      "sleep:#1@0",
    ]);
    expect(outcome.error).toMatchObject({
      code: ErrorCode.EffectOutsideWorkflow,
      data: { situation: "outside-turn", workflowName: "regression.cross-run.stray" },
    });
  });
});

describe("the engine tracks which run's code is running", () => {
  it("an effect called after an await inside a sideEffect function fails the run instead of being journaled", async () => {
    // Without async context the call would land in the run's own open turn, as a value the
    // sideEffect's replay (which skips the function) would never produce again.
    const wf = workflow.stamped(testStamp(["sideEffect:#0", "now:#0"]))(
      "regression.cross-run.engine",
      { version: 1 },
      async () =>
        sideEffect.at("sideEffect:#0")(async () => {
          await Promise.resolve();
          return now.at("now:#0")().getTime();
        }),
    );
    const env = await createTestEnvironment({ workflows: [wf], activities: [] });
    try {
      const run = await env.client.start(wf, undefined);
      await expect(run.result()).rejects.toMatchObject({
        data: { error: { code: ErrorCode.EffectOutsideWorkflow } },
      });
      const history = await env.client.history(run.runId);
      expect(history.filter((e) => "identity" in e && String(e.identity).startsWith("now:"))).toEqual([]);
    } finally {
      await env.close();
    }
  });
});
