import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { WorkflowFailedError } from "../errors/engine-errors.ts";
import { WorkflowTimeoutError } from "../errors/workflow-errors.ts";
import { activity, compensateAll, hours, minutes, signal, workflow } from "../workflow/index.ts";
import { createTestEnvironment } from "./index.ts";
import { replayHistory } from "./replay-history.ts";
import { stamp, ledger, scheduled } from "./test-support/saga-ledger.ts";

// Workflow-level timeouts fail the run through a journal timer; onTimeout "compensate" undoes
// the work before the run ends.

describe("workflow-level timeout", () => {
  it("fails the run with WorkflowTimeoutError when its journal timer fires first", async () => {
    const l = ledger();
    const wf = workflow.stamped(stamp("timeout"))(
      "trip.timeout",
      { version: 1, timeoutMs: hours(1) },
      async () => {
        await activity.at("activity:book#0")(l.book, "flight");
        return await signal.at("signal:approve#0")<string>("approve");
      },
    );
    const env = await createTestEnvironment({ workflows: [wf], activities: l.activities, paranoid: true });
    const started = env.now();
    const run = await env.client.start(wf, undefined);
    const error = await run.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toMatchObject({ code: ErrorCode.WorkflowTimeout });
    expect(env.now() - started).toBe(hours(1));
    const history = await env.client.history(run.runId);
    expect(history[1]).toMatchObject({
      kind: "timer_started",
      identity: "workflowTimeout:#0@0",
      delayMs: hours(1),
    });
    expect(history.at(-1)).toMatchObject({
      kind: "run_failed",
      error: { code: ErrorCode.WorkflowTimeout, data: { timeoutMs: hours(1) } },
    });
    // The recorded run replays as it ran.
    await replayHistory(wf, history);
    await env.close();
  });

  it("does not fire for a run that finishes in time, and the workflow may catch it to compensate", async () => {
    const l = ledger();
    const quick = workflow.stamped(stamp("quick"))(
      "trip.quick",
      { version: 1, timeoutMs: hours(1) },
      async () => await activity.at("activity:book#0")(l.book, "flight"),
    );
    const caught = workflow.stamped(stamp("caught"))(
      "trip.caught",
      { version: 1, timeoutMs: minutes(5) },
      async () => {
        await activity.at("activity:book#0")(l.book, "hotel", { compensate: [l.release, "hotel"] });
        try {
          await signal.at("signal:approve#0")<string>("approve");
          return "approved";
        } catch (e) {
          if (!(e instanceof WorkflowTimeoutError)) throw e;
          await compensateAll.at("compensateAll:#0")();
          return `timed out after ${e.timeoutMs} ms, released`;
        }
      },
    );
    const env = await createTestEnvironment({
      workflows: [quick, caught],
      activities: l.activities,
      paranoid: true,
    });
    const fast = await env.client.start(quick, undefined);
    expect(await fast.result()).toBe("flight-ref");
    expect(await env.journal.nextDueAt()).toBeUndefined(); // the deadline's timer went with the run
    const slow = await env.client.start(caught, undefined);
    expect(await slow.result()).toBe(`timed out after ${minutes(5)} ms, released`);
    expect([...l.effects.values()]).toEqual(["hotel"]);
    await env.close();
  });

  it("onTimeout compensate runs the compensations, then fails the run with the timeout", async () => {
    const l = ledger();
    const wf = workflow.stamped(stamp("on-timeout"))(
      "trip.onTimeout",
      { version: 1, timeoutMs: minutes(10), onTimeout: "compensate" },
      async () => {
        await activity.at("activity:book#0")(l.book, "flight", { compensate: [l.release, "flight"] });
        await activity.at("activity:book#0")(l.book, "hotel", { compensate: [l.release, "hotel"] });
        return await signal.at("signal:approve#0")<string>("approve");
      },
    );
    const env = await createTestEnvironment({ workflows: [wf], activities: l.activities, paranoid: true });
    const run = await env.client.start(wf, undefined);
    const description = await env.waitFor(run.runId, "failed");
    expect(description.error).toMatchObject({ code: ErrorCode.WorkflowTimeout });
    expect(scheduled(await env.client.history(run.runId)).slice(-2)).toEqual([
      'compensateAll:$onExit#0@0 saga.release ["hotel"]',
      'compensateAll:$onExit#0@1 saga.release ["flight"]',
    ]);
    expect([...l.effects.values()]).toEqual(["hotel", "flight"]);
    await env.close();
  });

  it("a run keeps the deadline it started with: old histories replay on code that added or dropped timeoutMs", async () => {
    const l = ledger();
    const body = async () => await activity.at("activity:book#0")(l.book, "flight");
    const without = workflow.stamped(stamp("same"))("trip.deadline", { version: 1 }, body);
    const withIt = workflow.stamped(stamp("same"))(
      "trip.deadline",
      { version: 1, timeoutMs: hours(2) },
      body,
    );
    for (const [recordOn, replayOn] of [
      [without, withIt],
      [withIt, without],
    ] as const) {
      const env = await createTestEnvironment({ workflows: [recordOn], activities: l.activities });
      const run = await env.client.start(recordOn, undefined);
      await run.result();
      await replayHistory(replayOn, await env.client.history(run.runId));
      await env.close();
    }
  });

  it("rejects a bad timeoutMs or policy when the workflow is defined", () => {
    expect(() => workflow("bad.timeout", { version: 1, timeoutMs: -5 }, async () => 1)).toThrow(/timeoutMs/);
    expect(() => workflow("bad.policy", { version: 1, onCancel: "undo" as never }, async () => 1)).toThrow(
      /onCancel/,
    );
  });
});
