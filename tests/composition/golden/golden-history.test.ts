import { readFileSync } from "node:fs";
import { ErrorCode, ReplayDriftError, type HistoryEvent } from "@continuum/core";
import { createTestEnvironment, replayHistory } from "@continuum/core/testing";
import { describe, expect, it } from "vitest";
// The replay engine's own entry point (not a public export): resumes a recorded run live.
import { createExecution } from "../../../packages/core/src/replay/index.ts";
import { bookingV1, bookingV2, bookingV2Patched, stampOf, v1Hash } from "./booking-workflows.ts";
import { travelActivities } from "./src/booking-activities.ts";

// Golden histories: runs recorded by version 1 of the booking saga (record-golden-histories.ts,
// committed under histories/), replayed against version 2 without and with patched().

const names = ["v1-approved", "v1-rejected", "v1-expired", "v1-waiting"] as const;
const golden = (name: (typeof names)[number]): HistoryEvent[] =>
  JSON.parse(readFileSync(new URL(`./histories/${name}.json`, import.meta.url), "utf8")) as HistoryEvent[];

async function driftOf(promise: Promise<unknown>): Promise<ReplayDriftError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReplayDriftError);
  return error as ReplayDriftError;
}

describe("golden histories of booking v1", () => {
  it("were recorded by version 1 and use only its call sites", async () => {
    const cursors = new Set(stampOf("v1").cursors);
    for (const name of names) {
      const history = golden(name);
      expect(history[0]).toMatchObject({ kind: "run_started", workflowName: "booking", versionHash: v1Hash });
      for (const event of history) {
        if ("identity" in event)
          expect(cursors.has(event.identity.slice(0, event.identity.lastIndexOf("@")))).toBe(true);
      }
      await replayHistory(bookingV1, history);
    }
  });

  it("version 2 without the patch: every run past the insertion drifts, naming the cursors", async () => {
    for (const name of names) {
      const drift = await driftOf(replayHistory(bookingV2, golden(name)));
      expect(drift.code).toBe(ErrorCode.ReplayDrift);
      expect(drift.data).toMatchObject({
        drift: "changed",
        recorded: { identity: "signal:approve#0@0", seq: 4 },
        current: { identity: "activity:travel.checkVisa#0@0" },
      });
      expect(drift.message).toContain("activity:travel.checkVisa#0");
    }
  });

  it("version 2 with the patch replays every v1 run, which keeps the old path", async () => {
    for (const name of names) await replayHistory(bookingV2Patched, golden(name));
  });

  it("an in-flight v1 run finishes on the patched version the old way; a new run takes the new way; both forever on replay", async () => {
    // The v1 run that was waiting for approval at the deploy, resumed live by version 2 (patched).
    const waiting = golden("v1-waiting");
    const resumedHistory: HistoryEvent[] = [...waiting];
    const at = (waiting.at(-1)?.at ?? 0) + 1_000;
    const append = (events: readonly object[]) => {
      for (const event of events)
        resumedHistory.push({ ...event, seq: resumedHistory.length + 1, at } as HistoryEvent);
    };
    const old = await createExecution(bookingV2Patched, {
      runId: "old",
      workflowId: "old",
      history: waiting,
    });
    const approved = await old.step({
      now: at,
      deliveries: [{ kind: "signal_received", name: "approve", payload: true }],
    });
    // The old path: straight to the hotel, no visa check.
    expect(approved.commands.map((c) => ("identity" in c ? c.identity : c.kind))).toEqual([
      "activity:travel.bookHotel#0@0",
    ]);
    append(approved.events);
    const done = await old.step({
      now: at,
      deliveries: [
        {
          kind: "activity_completed",
          identity: "activity:travel.bookHotel#0@0",
          result: "hotel-t-1",
          attempts: 1,
        },
      ],
    });
    old.dispose();
    expect(done.outcome).toEqual({
      kind: "complete_run",
      result: { tripId: "t-1", status: "booked", flight: "flight-t-1", hotel: "hotel-t-1" },
    });
    append(done.events);

    // A run started after the deploy takes the new path (and records the patch marker).
    const env = await createTestEnvironment({
      workflows: [bookingV2Patched],
      activities: travelActivities,
      paranoid: true,
    });
    const fresh = await env.client.start(bookingV2Patched, { tripId: "t-2" });
    await env.settle();
    await env.sendSignal(fresh.runId, "approve", true);
    expect(await fresh.result()).toEqual({
      tripId: "t-2",
      status: "booked",
      flight: "flight-t-2",
      hotel: "hotel-t-2",
      visa: "visa-t-2-ok",
    });
    const freshHistory = await env.client.history(fresh.runId);
    expect(
      freshHistory.some((e) => e.kind === "value_recorded" && e.identity === "patched:visa-check#0@0"),
    ).toBe(true);
    await env.close();

    // Replayed again and again: each run takes its own branch every time.
    for (let i = 0; i < 3; i += 1) {
      await replayHistory(bookingV2Patched, resumedHistory);
      await replayHistory(bookingV2Patched, freshHistory);
    }
    // The unpatched version 2 can replay neither the old run nor (its patch marker) the new one.
    await driftOf(replayHistory(bookingV2, resumedHistory));
    await driftOf(replayHistory(bookingV2, freshHistory));
  });
});
