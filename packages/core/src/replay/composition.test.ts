import { describe, expect, it } from "vitest";
import { encode, serializeError } from "../codec/index.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { ReplayDriftError } from "../errors/replay-errors.ts";
import { ChildWorkflowFailure } from "../errors/workflow-errors.ts";
import type { ResolutionEvent } from "../model/index.ts";
import {
  activity,
  awaitChild,
  child,
  continueAsNew,
  defineActivity,
  signal,
  startChild,
  workflow,
} from "../workflow/index.ts";
import type { ChildHandle } from "../workflow/index.ts";
import { EngineSimulator, resolve, testStamp } from "./test-support/engine-simulator.ts";

const shipment = workflow.stamped(testStamp(["activity:ship#0"]))(
  "shipment",
  { version: 1 },
  async (input: { orderId: string }) => ({ label: `L-${input.orderId}` }),
);
const ship = defineActivity("ship", async (orderId: string) => orderId);

const completed = (identity: string, result: unknown): ResolutionEvent => ({
  kind: "child_completed",
  identity,
  result: encode(result),
});
const failed = (identity: string, error: Error): ResolutionEvent => ({
  kind: "child_failed",
  identity,
  error: serializeError(error),
});

const parentCursors = ["child:shipment#0"];
const parent = workflow.stamped(testStamp(parentCursors))(
  "parent",
  { version: 1 },
  async (orderId: string) => {
    const shipped = await child.at("child:shipment#0")(shipment, { orderId });
    return shipped.label;
  },
);

describe("child workflows in replay", () => {
  it("child() journals child_started with a derived workflow id and resolves with the child's result", async () => {
    const sim = await EngineSimulator.start(parent, "o-1", { runId: "run-p" });
    expect(sim.history.map((e) => e.kind)).toEqual(["run_started", "child_started"]);
    const started = sim.history[1]!;
    expect(started).toMatchObject({
      kind: "child_started",
      identity: "child:shipment#0@0",
      workflowName: "shipment",
      workflowId: "run-p/child:shipment#0@0",
      versionHash: shipment.stamp!.versionHash,
      input: { orderId: "o-1" },
      parentClosePolicy: "cancel",
    });
    const end = await sim.step([completed("child:shipment#0@0", { label: "L-o-1" })]);
    expect(end.outcome).toEqual({ kind: "complete_run", result: "L-o-1" });
    // The same history replays to the same outcome.
    const again = await sim.replay();
    expect(again.finished).toBe(true);
  });

  it("a failed child rejects with ChildWorkflowFailure carrying the child's error as cause", async () => {
    const caught = workflow.stamped(testStamp(parentCursors))(
      "parent",
      { version: 1 },
      async (orderId: string) => {
        try {
          await child.at("child:shipment#0")(shipment, { orderId }, { id: `ship-${orderId}` });
          return "ok";
        } catch (error) {
          if (!(error instanceof ChildWorkflowFailure)) throw error;
          return `${error.code}|${error.workflowId}|${(error.cause as Error).message}`;
        }
      },
    );
    const sim = await EngineSimulator.start(caught, "o-2");
    expect(sim.history[1]).toMatchObject({ kind: "child_started", workflowId: "ship-o-2" });
    const end = await sim.step([failed("child:shipment#0@0", new Error("no carrier"))]);
    expect(end.outcome).toEqual({
      kind: "complete_run",
      result: `${ErrorCode.ChildWorkflowFailure}|ship-o-2|no carrier`,
    });
  });

  it("startChild returns a handle; an outcome that arrives before awaitChild is kept for it", async () => {
    const cursors = ["startChild:shipment#0", "signal:go#0", "awaitChild:#0", "awaitChild:#1"];
    const fanOut = workflow.stamped(testStamp(cursors))("fan-out", { version: 1 }, async (ids: string[]) => {
      const handles: ChildHandle<{ label: string }>[] = [];
      for (const orderId of ids)
        handles.push(await startChild.at("startChild:shipment#0")(shipment, { orderId }));
      await signal.at("signal:go#0")<string>("go");
      const first = await awaitChild.at("awaitChild:#0")(handles[0]!);
      const again = await awaitChild.at("awaitChild:#1")(handles[0]!);
      const rest = await Promise.all(handles.slice(1).map((h) => awaitChild.at("awaitChild:#0")(h)));
      return [first.label, again.label, ...rest.map((r) => r.label)];
    });
    const sim = await EngineSimulator.start(fanOut, ["a", "b", "c"]);
    expect(
      sim.history
        .filter((e) => e.kind === "child_started")
        .map((e) => (e as { workflowId: string }).workflowId),
    ).toEqual([
      "run-1/startChild:shipment#0@0",
      "run-1/startChild:shipment#0@1",
      "run-1/startChild:shipment#0@2",
    ]);
    // Two children finish before the parent awaits anything.
    await sim.step([
      completed("startChild:shipment#0@0", { label: "A" }),
      completed("startChild:shipment#0@2", { label: "C" }),
    ]);
    await sim.step([resolve.signal("go", "now")]);
    const end = await sim.step([completed("startChild:shipment#0@1", { label: "B" })]);
    expect(end.outcome).toEqual({ kind: "complete_run", result: encode(["A", "A", "B", "C"]) });
    expect((await sim.replay()).finished).toBe(true);
  });

  it("awaitChild refuses a handle this run did not start", async () => {
    const cursors = ["awaitChild:#0"];
    const bad = workflow.stamped(testStamp(cursors))("bad", { version: 1 }, async () => {
      try {
        await awaitChild.at("awaitChild:#0")({
          identity: "startChild:x#0@0",
          workflowId: "w",
          workflowName: "shipment",
        });
        return "accepted";
      } catch (error) {
        return (error as { code?: string }).code;
      }
    });
    const sim = await EngineSimulator.start(bad, undefined);
    expect(sim.outcome).toEqual({ kind: "complete_run", result: ErrorCode.InvalidArgument });
  });

  it("cancelling the parent rejects the awaited child with CancelledError; the run ends cancelled", async () => {
    const sim = await EngineSimulator.start(parent, "o-3");
    const end = await sim.step([resolve.cancel("stop")]);
    expect(end.outcome).toEqual({ kind: "cancel_run", reason: "stop" });
  });

  it("drift: a child call added before the recorded one, and a child call removed", async () => {
    const sim = await EngineSimulator.start(parent, "o-4", { runId: "run-drift" });
    const added = workflow.stamped(testStamp(["activity:ship#0", "child:shipment#0"]))(
      "parent",
      { version: 2 },
      async (orderId: string) => {
        await activity.at("activity:ship#0")(ship, orderId);
        return (await child.at("child:shipment#0")(shipment, { orderId })).label;
      },
    );
    const addedError = await sim.replay(added).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(addedError).toBeInstanceOf(ReplayDriftError);
    expect((addedError as ReplayDriftError).data).toMatchObject({
      drift: "changed",
      recorded: { effect: "child workflow shipment", identity: "child:shipment#0@0" },
    });

    const removed = workflow.stamped(testStamp(["activity:ship#0"]))(
      "parent",
      { version: 2 },
      async (orderId: string) => activity.at("activity:ship#0")(ship, orderId),
    );
    const removedError = await sim.replay(removed).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(removedError).toBeInstanceOf(ReplayDriftError);
    expect((removedError as ReplayDriftError).data.recorded).toMatchObject({
      effect: "child workflow shipment",
    });

    const retargeted = workflow.stamped(testStamp(parentCursors))(
      "parent",
      { version: 2 },
      async (orderId: string) => {
        const other = workflow.stamped(testStamp([]))("other-shipment", { version: 1 }, async () => ({
          label: "x",
        }));
        return (await child.at("child:shipment#0")(other, undefined as never)).label + orderId;
      },
    );
    const retargetError = await sim.replay(retargeted).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(retargetError).toBeInstanceOf(ReplayDriftError);
  });
});

describe("continueAsNew in replay", () => {
  const cursors = ["signal:add#0", "continueAsNew:#0"];
  const counter = workflow.stamped(testStamp(cursors))(
    "counter",
    { version: 1 },
    async (state: { total: number; round: number }) => {
      let total = state.total;
      for (let i = 0; i < 2; i++) total += await signal.at("signal:add#0")<number>("add");
      return continueAsNew.at("continueAsNew:#0")({ total, round: state.round + 1 });
    },
  );

  it("ends the run with continue_as_new and the next input; code after it never runs", async () => {
    const sim = await EngineSimulator.start(counter, { total: 0, round: 0 });
    await sim.step([resolve.signal("add", 1)]);
    const end = await sim.step([resolve.signal("add", 2)]);
    expect(end.outcome).toEqual({ kind: "continue_as_new", input: encode({ total: 3, round: 1 }) });
    expect(sim.history.at(-1)).toMatchObject({ kind: "run_continued", input: { total: 3, round: 1 } });
    expect((await sim.replay()).finished).toBe(true);
  });

  it("hands over signals it received and never took: left in the mailbox and delivered after the end", async () => {
    const sim = await EngineSimulator.start(counter, { total: 0, round: 0 });
    const end = await sim.step([
      resolve.signal("add", 1),
      resolve.signal("add", 2),
      resolve.signal("add", 3),
      resolve.signal("other", "x"),
      resolve.signal("add", 4),
    ]);
    expect(end.outcome).toEqual({
      kind: "continue_as_new",
      input: encode({ total: 3, round: 1 }),
      carriedSignals: [
        { name: "add", payload: 3 },
        { name: "other", payload: "x" },
        { name: "add", payload: 4 },
      ],
    });
    expect(sim.history.at(-1)).toMatchObject({
      kind: "run_continued",
      carriedSignals: [{ payload: 3 }, { payload: "x" }, { payload: 4 }],
    });
    // Replaying the history reaches the same end.
    expect((await sim.replay()).finished).toBe(true);
  });

  it("a signal that arrived before the run's first wait and was not taken is handed over too", async () => {
    const early = workflow.stamped(testStamp(["signal:add#0", "continueAsNew:#0"]))(
      "early",
      { version: 1 },
      async (n: number) => {
        const first = await signal.at("signal:add#0")<number>("add");
        return continueAsNew.at("continueAsNew:#0")(n + first);
      },
    );
    const sim = await EngineSimulator.start(early, 1);
    const end = await sim.step([resolve.signal("add", 10), resolve.signal("add", 20)]);
    expect(end.outcome).toEqual({
      kind: "continue_as_new",
      input: 11,
      carriedSignals: [{ name: "add", payload: 20 }],
    });
  });

  it("drift: continueAsNew removed from the code that recorded it", async () => {
    const sim = await EngineSimulator.start(counter, { total: 0, round: 0 });
    await sim.step([resolve.signal("add", 1), resolve.signal("add", 2)]);
    const completes = workflow.stamped(testStamp(["signal:add#0"]))(
      "counter",
      { version: 2 },
      async (state: { total: number }) => {
        let total = state.total;
        for (let i = 0; i < 2; i++) total += await signal.at("signal:add#0")<number>("add");
        return total;
      },
    );
    const error = await sim.replay(completes).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReplayDriftError);
    expect((error as ReplayDriftError).data).toMatchObject({
      drift: "outcome",
      recorded: { effect: "run_continued" },
    });
  });
});

/** Never called: compile-time checks of child typing (tsc fails if an expected error disappears). */
export function childTypeChecks(): void {
  void (async () => {
    const label: { label: string } = await child(shipment, { orderId: "o" });
    const handle: ChildHandle<{ label: string }> = await startChild(
      shipment,
      { orderId: "o" },
      { id: "x", parentClosePolicy: "abandon" },
    );
    const awaited: { label: string } = await awaitChild(handle);
    void label;
    void awaited;
    // @ts-expect-error the child's input type is its definition's
    await child(shipment, { orderId: 5 });
    // @ts-expect-error the child's output type is its definition's
    const wrong: number = await child(shipment, { orderId: "o" });
    void wrong;
    // @ts-expect-error unknown parent-close policy
    await startChild(shipment, { orderId: "o" }, { parentClosePolicy: "terminate" });
    // @ts-expect-error awaitChild takes a handle
    await awaitChild({ workflowId: "w" });
  });
}
