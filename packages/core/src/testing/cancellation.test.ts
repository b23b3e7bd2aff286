import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import {
  activity,
  awaitChild,
  cancellable,
  complete,
  defineActivity,
  hours,
  isCancellation,
  minutes,
  nonCancellable,
  signal,
  sleep,
  startChild,
  workflow,
} from "../workflow/index.ts";
import { createTestEnvironment } from "./index.ts";
import { replayHistory } from "./replay-history.ts";

// Cancellation scopes through the test kit (the engine on the memory journal, paranoid replay
// after every commit) and through replayHistory, which the CLI's replay uses.

const stamp = (versionHash: string) =>
  ({ format: 1, versionHash, cursors: [], file: "test/cancellation.workflow.ts", line: 1 }) as const;

const sent: string[] = [];
const mail = defineActivity("cancel.mail", async (what: string) => {
  sent.push(what);
  return what;
});

const kid = workflow.stamped(stamp("kid"))("cancel.kid", { version: 1 }, async () =>
  signal.at("signal:done#0")<string>("done"),
);

const parent = workflow.stamped(stamp("parent"))("cancel.parent", { version: 1 }, async () => {
  const handle = await startChild.at("startChild:kid#0")(kid, undefined, { id: "the-kid" });
  try {
    await cancellable.at("cancellable:#0")(() => sleep.at("sleep:#0")(hours(2)), { timeout: minutes(1) });
    return "slept";
  } catch (error) {
    if (!isCancellation(error)) throw error;
  }
  try {
    return await awaitChild.at("awaitChild:#0")(handle);
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // Cleanup that still waits for the child's own outcome and tells the customer.
    const outcome = await nonCancellable(async () => {
      const result = await awaitChild.at("awaitChild:#1")(handle);
      await activity.at("activity:mail#0")(mail, `kid said ${result}`);
      return result;
    });
    return complete(`cleaned up after ${outcome}`);
  }
});

describe("cancellation in the test kit", () => {
  it("a scope timeout, then a cancel: nonCancellable cleanup awaits the child and completes; paranoid replay and replayHistory agree", async () => {
    sent.length = 0;
    const env = await createTestEnvironment({ workflows: [parent, kid], activities: [mail], paranoid: true });
    const run = await env.client.start(parent, undefined);
    await env.settle();
    await env.advanceTime(minutes(1)); // the scope's timeout cancels the long sleep only
    expect((await env.client.describe(run.runId)).status).toBe("running");
    await env.client.cancel(run.runId, "customer left");
    await env.settle();
    expect((await env.client.describe(run.runId)).status).toBe("running"); // the shielded wait goes on
    const child = await env.client.describeWorkflow("the-kid");
    await env.sendSignal(child!.runId, "done", "bye");
    expect(await run.result()).toBe("cleaned up after bye");
    expect(sent).toEqual(["kid said bye"]);
    const history = await env.client.history(run.runId);
    // The scope's timer is journaled before its code runs.
    expect(history.filter((e) => e.kind === "timer_started").map((e) => e.identity)).toEqual([
      "cancellable:#0@0",
      "sleep:#0@0",
    ]);
    await replayHistory(parent, history);
  });

  it("force terminates a run that shields itself, under paranoid replay", async () => {
    const stubborn = workflow.stamped(stamp("stubborn"))("cancel.stubborn", { version: 1 }, async () => {
      for (;;) await nonCancellable(() => sleep.at("sleep:#0")(hours(1)));
    });
    const env = await createTestEnvironment({ workflows: [stubborn], paranoid: true });
    const run = await env.client.start(stubborn, undefined);
    await env.settle();
    await env.client.cancel(run.runId, "please");
    await env.advanceTime(hours(1)); // the shielded loop goes on
    expect((await env.client.describe(run.runId)).status).toBe("running");
    await env.client.cancel(run.runId, { reason: "enough", force: true });
    await expect(run.result()).rejects.toMatchObject({
      code: ErrorCode.Cancelled,
      data: { reason: "enough" },
    });
    const history = await env.client.history(run.runId);
    expect(history.at(-1)).toMatchObject({ kind: "run_cancelled", reason: "enough" });
    await replayHistory(stubborn, history);
  });

  it("a run that swallows the cancellation and returns ends cancelled", async () => {
    const swallow = workflow.stamped(stamp("swallow"))("cancel.swallow", { version: 1 }, async () => {
      try {
        await sleep.at("sleep:#0")(hours(1));
      } catch {
        // swallowed
      }
      return "fine";
    });
    const env = await createTestEnvironment({ workflows: [swallow], paranoid: true });
    const run = await env.client.start(swallow, undefined);
    await env.settle();
    await env.client.cancel(run.runId);
    await expect(run.result()).rejects.toMatchObject({ code: ErrorCode.Cancelled });
  });
});
