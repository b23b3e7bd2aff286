import { AsyncLocalStorage } from "node:async_hooks";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors/error-code.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import type { HistoryEvent } from "../model/index.ts";
import {
  ActivityFailure,
  CancelledError,
  activity,
  compensate,
  compensateAll,
  defineActivity,
  nonCancellable,
  workflow,
} from "../workflow/index.ts";
import { EngineSimulator, resolve, testStamp } from "./test-support/engine-simulator.ts";

const book = defineActivity("travel.book", async (what: string) => ({ booking: what }));
const cancelBooking = defineActivity("travel.cancel", async (what: string, why: string) => `${what}:${why}`, {
  timeoutMs: 9_000,
});
const stamped = workflow.stamped(testStamp(["saga"]));

function scheduledNames(sim: EngineSimulator): string[] {
  return sim.history
    .filter((e): e is HistoryEvent & { kind: "activity_scheduled" } => e.kind === "activity_scheduled")
    .map((e) => `${e.identity} ${e.activityName} ${JSON.stringify(e.args)}`);
}

describe("compensation (sagas)", () => {
  it("compensate(result) schedules the undo recorded with the call that returned result", async () => {
    const wf = stamped("one", { version: 1 }, async () => {
      const hotel = await activity.at("activity:book#0")(book, "hotel", {
        compensate: [cancelBooking, "hotel", "declined"],
      });
      await compensate.at("compensate:#0")(hotel);
      // a second compensate of the same result is a no-op that settles as the first did
      await compensate.at("compensate:#1")(hotel);
      return "each compensation runs once";
    });
    const sim = await EngineSimulator.start(wf, undefined);
    await sim.step([resolve.completed("activity:book#0@0", { booking: "hotel" })]);
    const undo = sim.history.at(-1);
    expect(undo).toMatchObject({
      kind: "activity_scheduled",
      identity: "compensate:#0@0",
      activityName: "travel.cancel",
      args: ["hotel", "declined"],
      options: { startToCloseMs: 9_000 },
    });
    const end = await sim.step([resolve.completed("compensate:#0@0", "hotel:declined")]);
    expect(end.outcome).toEqual({ kind: "complete_run", result: "each compensation runs once" });
    expect(scheduledNames(sim).filter((s) => s.includes("travel.cancel"))).toEqual([
      'compensate:#0@0 travel.cancel ["hotel","declined"]',
    ]);
    expect((await sim.replay()).finished).toBe(true);
  });

  it("compensateAll() undoes completed calls most recent first, one at a time, and skips calls that failed", async () => {
    const wf = stamped("trip", { version: 1 }, async () => {
      try {
        for (const what of ["flight", "hotel", "car"]) {
          await activity.at("activity:book#0")(book, what, {
            compensate: [cancelBooking, what, "trip failed"],
          });
        }
        return "booked";
      } catch (e) {
        await compensateAll.at("compensateAll:#0")();
        return e instanceof ActivityFailure ? `rolled back after ${e.activityName}` : String(e);
      }
    });
    const sim = await EngineSimulator.start(wf, undefined);
    await sim.step([resolve.completed("activity:book#0@0", { booking: "flight" })]);
    await sim.step([resolve.completed("activity:book#0@1", { booking: "hotel" })]);
    await sim.step([resolve.failed("activity:book#0@2", new Error("no cars"))]);
    await sim.step([resolve.completed("compensateAll:#0@0", "ok")]);
    const end = await sim.step([resolve.completed("compensateAll:#0@1", "ok")]);
    expect(end.outcome).toEqual({ kind: "complete_run", result: "rolled back after travel.book" });
    expect(scheduledNames(sim)).toEqual([
      'activity:book#0@0 travel.book ["flight"]',
      'activity:book#0@1 travel.book ["hotel"]',
      'activity:book#0@2 travel.book ["car"]',
      'compensateAll:#0@0 travel.cancel ["hotel","trip failed"]',
      'compensateAll:#0@1 travel.cancel ["flight","trip failed"]',
    ]);
    expect((await sim.replay()).finished).toBe(true);
  });

  it("refuses a compensation whose arguments do not fit the undo activity", async () => {
    const wf = stamped("bad-undo", { version: 1 }, async () => {
      try {
        await activity.at("activity:book#0")(book, "x", {
          compensate: [cancelBooking, "x", "y", "z"] as never,
        });
        return "accepted";
      } catch (e) {
        return isContinuumError(e, ErrorCode.InvalidArgument) ? "refused" : String(e);
      }
    });
    const sim = await EngineSimulator.start(wf, undefined);
    expect(sim.outcome).toEqual({ kind: "complete_run", result: "refused" });
  });
});

describe("cancellation of calls in flight (review finding 1)", () => {
  const trip = stamped("trip.cancel", { version: 1, onCancel: "compensate" }, async () => {
    await activity.at("activity:book#0")(book, "flight", {
      compensate: [cancelBooking, "flight", "cancelled"],
    });
    await Promise.all([
      activity.at("activity:book#1")(book, "hotel", { compensate: [cancelBooking, "hotel", "cancelled"] }),
      activity.at("activity:book#2")(book, "museum"),
    ]);
    return "booked";
  });

  it("a cancellation withdraws the queued tasks of the calls it rejects (cancelTasks), never a compensation", async () => {
    const sim = await EngineSimulator.start(trip, undefined);
    expect(
      (await sim.step([resolve.completed("activity:book#0@0", { booking: "flight" })])).cancelTasks,
    ).toEqual([]);
    const cancelled = await sim.step([resolve.cancel("changed plans")]);
    expect(cancelled.cancelTasks).toEqual(["activity:book#1@0", "activity:book#2@0"]);
    // The exit compensation undoes the flight; a second cancellation does not withdraw it.
    expect(scheduledNames(sim).at(-1)).toBe('compensateAll:$onExit#0@0 travel.cancel ["flight","cancelled"]');
    expect((await sim.step([resolve.cancel("again")])).cancelTasks).toEqual([]);
    const end = await sim.step([resolve.completed("compensateAll:$onExit#0@0", "flight:cancelled")]);
    expect(end.outcome).toEqual({ kind: "cancel_run", reason: "changed plans" });
    // Replay re-derives the same state and reports nothing again (the step that cancelled did).
    const replayed = await sim.replay();
    expect(replayed.finished).toBe(true);
  });

  it("a rejected call whose attempt was already running and completes later is undone too", async () => {
    const sim = await EngineSimulator.start(trip, undefined);
    await sim.step([resolve.completed("activity:book#0@0", { booking: "flight" })]);
    await sim.step([resolve.cancel()]);
    // The hotel's attempt was running: it finishes while the flight's undo runs.
    await sim.step([resolve.completed("activity:book#1@0", { booking: "hotel" })]);
    await sim.step([resolve.completed("compensateAll:$onExit#0@0", "flight:cancelled")]);
    expect(scheduledNames(sim).slice(-2)).toEqual([
      'compensateAll:$onExit#0@0 travel.cancel ["flight","cancelled"]',
      'compensateAll:$onExit#0@1 travel.cancel ["hotel","cancelled"]',
    ]);
    const end = await sim.step([resolve.completed("compensateAll:$onExit#0@1", "hotel:cancelled")]);
    expect(end.outcome).toEqual({ kind: "cancel_run" });
    expect((await sim.replay()).finished).toBe(true);
  });

  it("a workflow timeout withdraws them too, and code that catches the cancellation compensates the late call", async () => {
    const timed = stamped("trip.timeout", { version: 1, timeoutMs: 60_000 }, async () => {
      await activity.at("activity:book#0")(book, "flight", { compensate: [cancelBooking, "flight", "late"] });
      return "booked";
    });
    const sim = await EngineSimulator.start(timed, undefined);
    const timedOut = await sim.step([resolve.fired("workflowTimeout:#0@0")]);
    expect(timedOut.cancelTasks).toEqual(["activity:book#0@0"]);

    const catching = stamped("trip.catching", { version: 1 }, async () => {
      try {
        await activity.at("activity:book#0")(book, "flight", {
          compensate: [cancelBooking, "flight", "caught"],
        });
        return "booked";
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
        // The flight's attempt finishes meanwhile (the note is cleanup: a cancellation does not reach it).
        await nonCancellable(() => activity.at("activity:book#1")(book, "note"));
        await compensateAll.at("compensateAll:#0")();
        throw error;
      }
    });
    const caught = await EngineSimulator.start(catching, undefined, {
      effectScopes: new AsyncLocalStorage(),
    });
    expect((await caught.step([resolve.cancel()])).cancelTasks).toEqual(["activity:book#0@0"]);
    await caught.step([
      resolve.completed("activity:book#0@0", { booking: "flight" }),
      resolve.completed("activity:book#1@0", { booking: "note" }),
    ]);
    expect(scheduledNames(caught).at(-1)).toBe('compensateAll:#0@0 travel.cancel ["flight","caught"]');
  });
});

describe("compensate(result) with a primitive result (review finding 5)", () => {
  const bookHotel = defineActivity("trip.hotel", async (_trip: string) => "ok");
  const bookCar = defineActivity("trip.car", async (_trip: string) => "ok");
  const cancelHotel = defineActivity("trip.cancelHotel", async (_trip: string) => "cancelled");
  const cancelCar = defineActivity("trip.cancelCar", async (_trip: string) => "cancelled");

  it("never schedules the undo of a later call that returned an equal value: a primitive is refused with a typed error", async () => {
    // Two calls that return the same primitive ("ok"): compensate(hotel) cannot say which call it means.
    const trip = workflow.stamped(testStamp(["activity:bookHotel#0", "activity:bookCar#0", "compensate:#0"]))(
      "review.trip",
      { version: 1 },
      async () => {
        const hotel = await activity.at("activity:bookHotel#0")(bookHotel, "t-1", {
          compensate: [cancelHotel, "t-1"],
        });
        await activity.at("activity:bookCar#0")(bookCar, "t-1", { compensate: [cancelCar, "t-1"] });
        try {
          await compensate.at("compensate:#0")(hotel as never); // the hotel is unavailable after all: undo the hotel only
        } catch (error) {
          return isContinuumError(error, ErrorCode.InvalidArgument)
            ? `refused: ${error.hint}`
            : String(error);
        }
        return "car kept";
      },
    );
    const sim = await EngineSimulator.start(trip, undefined);
    await sim.step([resolve.completed("activity:bookHotel#0@0", "ok")]);
    const step = await sim.step([resolve.completed("activity:bookCar#0@0", "ok")]);
    expect(step.events.find((e) => e.kind === "activity_scheduled")).toBeUndefined();
    expect(step.outcome).toMatchObject({
      kind: "complete_run",
      result: expect.stringContaining("compensateAll()"),
    });
  });
});
