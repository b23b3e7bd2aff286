import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { ChildWorkflowFailure } from "../errors/workflow-errors.ts";
import {
  activity,
  awaitChild,
  child,
  continueAsNew,
  defineActivity,
  signal,
  sleep,
  startChild,
  workflow,
} from "../workflow/index.ts";
import type { ChildHandle } from "../workflow/index.ts";
import { createTestEnvironment } from "./index.ts";

const stamp = (versionHash: string, cursors: string[] = []) =>
  ({ format: 1, versionHash, cursors, file: "test/composition.workflow.ts", line: 1 }) as const;

const double = defineActivity("math.double", async (n: number) => n * 2);

const doubler = workflow.stamped(stamp("doubler-1"))(
  "doubler",
  { version: 1 },
  async (input: { n: number; fail?: boolean; napMs?: number }) => {
    if (input.napMs !== undefined) await sleep.at("sleep:#0")(input.napMs);
    if (input.fail === true) throw new Error(`cannot double ${input.n}`);
    return { doubled: await activity.at("activity:math.double#0")(double, input.n) };
  },
);

const sumOfDoubles = workflow.stamped(stamp("sum-1"))("sum", { version: 1 }, async (ns: number[]) => {
  const handles: ChildHandle<{ doubled: number }>[] = [];
  for (const n of ns) handles.push(await startChild.at("startChild:doubler#0")(doubler, { n }));
  const results = await Promise.all(handles.map((h) => awaitChild.at("awaitChild:#0")(h)));
  return results.reduce((sum, r) => sum + r.doubled, 0);
});

describe("test kit: child workflows", () => {
  it("child() returns the child's typed result; the child run is linked to its parent", async () => {
    const parent = workflow.stamped(stamp("one-1"))("one", { version: 1 }, async (n: number) => {
      const { doubled } = await child.at("child:doubler#0")(doubler, { n });
      return doubled + 1;
    });
    const env = await createTestEnvironment({
      workflows: [parent, doubler],
      activities: [double],
      paranoid: true,
    });
    const run = await env.client.start(parent, 20);
    expect(await run.result()).toBe(41);
    const childId = `${run.runId}/child:doubler#0@0`;
    const kid = await env.client.describeWorkflow(childId);
    expect(kid).toMatchObject({ status: "completed", workflowName: "doubler", result: { doubled: 40 } });
    const parentHistory = await env.client.history(run.runId);
    expect(parentHistory.map((e) => e.kind)).toEqual([
      "run_started",
      "child_started",
      "child_completed",
      "run_completed",
    ]);
    expect(parentHistory[1]).toMatchObject({ workflowId: childId, runId: kid!.runId });
    await env.close();
  });

  it("fans out with startChild and awaits every child", async () => {
    const env = await createTestEnvironment({
      workflows: [sumOfDoubles, doubler],
      activities: [double],
      paranoid: true,
    });
    const startedEvents: string[] = [];
    env.events.on("child.started", (e) => startedEvents.push(`${e.childWorkflowName}:${e.childWorkflowId}`));
    const ns = Array.from({ length: 25 }, (_, i) => i + 1);
    const run = await env.client.start(sumOfDoubles, ns);
    expect(await run.result()).toBe(ns.reduce((a, n) => a + 2 * n, 0));
    const { runs } = await env.client.list({ workflowName: "doubler", limit: 100 });
    expect(runs).toHaveLength(25);
    expect(new Set(runs.map((r) => r.workflowId)).size).toBe(25);
    expect(startedEvents.sort()).toEqual(runs.map((r) => `doubler:${r.workflowId}`).sort());
    await env.close();
  });

  it("a failed child reaches the parent as ChildWorkflowFailure with the child's error as cause", async () => {
    const parent = workflow.stamped(stamp("catch-1"))("catching", { version: 1 }, async (n: number) => {
      try {
        return await child.at("child:doubler#0")(doubler, { n, fail: true }, { id: `double-${n}` });
      } catch (error) {
        if (error instanceof ChildWorkflowFailure)
          return { failed: error.code, child: error.workflowId, cause: (error.cause as Error).message };
        throw error;
      }
    });
    // Not paranoid: a failure's stack differs between the live run and its replay.
    const env = await createTestEnvironment({ workflows: [parent, doubler], activities: [double] });
    const run = await env.client.start(parent, 3);
    expect(await run.result()).toEqual({
      failed: ErrorCode.ChildWorkflowFailure,
      child: "double-3",
      cause: "cannot double 3",
    });
    await env.close();
  });

  it("a child id that is already taken fails the call; nothing else is started", async () => {
    const parent = workflow.stamped(stamp("taken-1"))("taken", { version: 1 }, async () => {
      try {
        await child.at("child:doubler#0")(doubler, { n: 1 }, { id: "shared-id" });
        return "started";
      } catch (error) {
        return (error as ChildWorkflowFailure & { cause: { code?: string } }).cause.code;
      }
    });
    const env = await createTestEnvironment({ workflows: [parent, doubler], activities: [double] });
    await env.client.start(doubler, { n: 100 }, { id: "shared-id" });
    const run = await env.client.start(parent, undefined);
    expect(await run.result()).toBe(ErrorCode.RunAlreadyExists);
    expect((await env.client.list({ workflowName: "doubler" })).runs).toHaveLength(1);
    await env.close();
  });

  it("cancelling the parent cancels its children with policy cancel; abandoned ones run on", async () => {
    const parent = workflow.stamped(stamp("cancel-1"))("cancelling", { version: 1 }, async () => {
      const kept = await startChild.at("startChild:doubler#0")(
        doubler,
        { n: 1, napMs: 60_000 },
        { id: "kept", parentClosePolicy: "abandon" },
      );
      const dropped = await startChild.at("startChild:doubler#0")(
        doubler,
        { n: 2, napMs: 60_000 },
        { id: "dropped" },
      );
      return Promise.all([awaitChild.at("awaitChild:#0")(kept), awaitChild.at("awaitChild:#0")(dropped)]);
    });
    const env = await createTestEnvironment({
      workflows: [parent, doubler],
      activities: [double],
      paranoid: true,
    });
    const run = await env.client.start(parent, undefined);
    await env.settle();
    expect((await env.client.describeWorkflow("dropped"))?.status).toBe("running");
    await env.client.cancel(run.runId, "changed my mind");
    await env.waitFor(run.runId, "cancelled");
    const dropped = await env.client.describeWorkflow("dropped");
    await env.waitFor(dropped!.runId, "cancelled");
    expect(
      (await env.client.history(dropped!.runId)).find((e) => e.kind === "cancel_requested"),
    ).toMatchObject({ reason: expect.stringContaining(run.runId) });
    const kept = await env.client.describeWorkflow("kept");
    expect(await env.client.result(kept!.runId)).toEqual({ doubled: 2 });
    await env.close();
  });
});

describe("test kit: children that continue as new, and grandchildren", () => {
  const countdown = workflow.stamped(stamp("countdown-1"))(
    "countdown",
    { version: 1 },
    async (n: number): Promise<string> => {
      if (n === 0) return "liftoff";
      await sleep.at("sleep:#0")(1_000);
      return continueAsNew.at("continueAsNew:#0")(n - 1);
    },
  );

  it("the parent receives the result of its child's last run", async () => {
    const parent = workflow.stamped(stamp("launch-1"))("launch", { version: 1 }, async () =>
      child.at("child:countdown#0")(countdown, 3),
    );
    const env = await createTestEnvironment({ workflows: [parent, countdown], paranoid: true });
    const run = await env.client.start(parent, undefined);
    expect(await run.result()).toBe("liftoff");
    const chain = (await env.client.list({ workflowName: "countdown" })).runs;
    expect(chain).toHaveLength(4);
    for (const link of chain) expect(link.workflowId).toBe(`${run.runId}/child:countdown#0@0`);
    await env.close();
  });

  it("cancelling a parent cancels its children, and theirs", async () => {
    const middle = workflow.stamped(stamp("middle-1"))("middle", { version: 1 }, async () =>
      child.at("child:countdown#0")(countdown, 1_000),
    );
    const top = workflow.stamped(stamp("top-1"))("top", { version: 1 }, async () =>
      child.at("child:middle#0")(middle, undefined),
    );
    const env = await createTestEnvironment({ workflows: [top, middle, countdown], paranoid: true });
    const run = await env.client.start(top, undefined);
    await env.advanceTime(3_500); // the grandchild has continued a few times
    await env.client.cancel(run.runId, "abort mission");
    await env.waitFor(run.runId, "cancelled");
    const middleRun = await env.client.describeWorkflow(`${run.runId}/child:middle#0@0`);
    await env.waitFor(middleRun!.runId, "cancelled");
    const grandchild = await env.client.describeWorkflow(`${middleRun!.runId}/child:countdown#0@0`);
    await env.waitFor(grandchild!.runId, "cancelled");
    expect((await env.client.list({ workflowName: "countdown" })).runs.length).toBeGreaterThan(2);
    await env.close();
  });
});

describe("test kit: continue-as-new", () => {
  const every = 3;
  const tally = workflow.stamped(stamp("tally-1"))(
    "tally",
    { version: 1 },
    async (state: { seen: number[]; target: number }) => {
      const seen = [...state.seen];
      for (let i = 0; i < every && seen.length < state.target; i++)
        seen.push(await signal.at("signal:add#0")<number>("add"));
      if (seen.length >= state.target) return seen;
      return continueAsNew.at("continueAsNew:#0")({ seen, target: state.target });
    },
  );

  it("the chain keeps workflow id, namespace and attributes; result() follows it; signals sent at once are all kept", async () => {
    const env = await createTestEnvironment({ workflows: [tally], paranoid: true, namespace: "tenant-a" });
    const continued: Array<{ runId: string; nextRunId: string; carriedSignals: number }> = [];
    env.events.on("run.continued", ({ runId, nextRunId, carriedSignals }) =>
      continued.push({ runId, nextRunId, carriedSignals }),
    );
    const run = await env.client.start(
      tally,
      { seen: [], target: 10 },
      { id: "tally-chain", attributes: { tenant: "a" } },
    );
    // All ten arrive before the first step: most of them wait in the inbox across handovers.
    for (let i = 1; i <= 10; i++) await env.client.signal(run.runId, "add", i);
    expect(await run.result()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const runs = (await env.client.list({ workflowName: "tally" })).runs;
    expect(runs).toHaveLength(4);
    for (const r of runs)
      expect(r).toMatchObject({
        workflowId: "tally-chain",
        namespace: "tenant-a",
        attributes: { tenant: "a" },
      });
    const latest = await env.client.describeWorkflow("tally-chain");
    expect(latest?.status).toBe("completed");
    expect(runs.filter((r) => r.status === "continued")).toHaveLength(3);
    expect(continued.map((c) => c.runId)).toEqual([
      run.runId,
      continued[0]!.nextRunId,
      continued[1]!.nextRunId,
    ]);
    // The first run got all ten signals in one step and took three: seven were carried over.
    expect(continued[0]!.carriedSignals).toBe(7);
    await env.close();
  });

  it("a signal sent to a run that already continued goes to the latest run of its chain", async () => {
    const env = await createTestEnvironment({ workflows: [tally], paranoid: true });
    const run = await env.client.start(tally, { seen: [], target: 5 });
    for (let i = 1; i <= 3; i++) await env.client.signal(run.runId, "add", i);
    await env.settle();
    expect((await env.client.describe(run.runId)).status).toBe("continued");
    for (let i = 4; i <= 5; i++) await env.client.signal(run.runId, "add", i);
    expect(await env.client.result(run.runId)).toEqual([1, 2, 3, 4, 5]);
    await env.close();
  });
});
