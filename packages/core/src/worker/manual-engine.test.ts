import { describe, expect, it } from "vitest";
import { ManualClock, MemoryJournal } from "../journal/memory/index.ts";
import { createClient } from "../client/create-client.ts";
import { createManualTimers } from "../testing/manual-timers.ts";
import { approval, kitActivities, sagaV1 } from "../testing/test-support/kit-fixture.ts";
import { createManualEngine } from "./manual-engine.ts";

const leaseMs = 30_000;

function setup() {
  const clock = new ManualClock();
  const journal = new MemoryJournal({ clock });
  const timers = createManualTimers(clock);
  const engine = (owner: string) =>
    createManualEngine({
      journal,
      owner,
      workflows: [approval, sagaV1],
      activities: kitActivities,
      leaseMs,
      timers,
    });
  return { clock, journal, engine, client: createClient({ journal }) };
}

async function runUntilIdle(engine: ReturnType<ReturnType<typeof setup>["engine"]>): Promise<void> {
  while (await engine.runOnce()) {
    // each round does what the loops would; stop when nothing happened
  }
}

describe("manual engine", () => {
  it("runOnce drives a run as far as it can go now, one round at a time", async () => {
    const { engine, client, journal } = setup();
    const first = engine("a");
    const run = await client.start(approval, "x");
    await runUntilIdle(first);
    const waiting = await journal.getRun(run.runId);
    expect(waiting).toMatchObject({ status: "running", leaseOwner: "a" });
    await client.signal(run.runId, "approve", "yes");
    await runUntilIdle(first);
    expect(await client.describe(run.runId)).toMatchObject({ status: "completed", result: "x:yes" });
  });

  it("pause() holds the engine's journal calls until resume(): nothing it does reaches the journal meanwhile", async () => {
    const { engine, client, journal } = setup();
    const first = engine("a");
    const run = await client.start(approval, "p");
    await runUntilIdle(first);
    await client.signal(run.runId, "approve", "yes");
    const waiting = await journal.readHistory(run.runId);
    const round = first.runOnce();
    first.pause();
    // The round in progress returns at once; its calls wait at the gate.
    expect(await round).toBe(false);
    expect(await first.runOnce()).toBe(false);
    expect(await journal.readHistory(run.runId)).toEqual(waiting);
    first.resume();
    await runUntilIdle(first);
    expect(await client.describe(run.runId)).toMatchObject({ status: "completed", result: "p:yes" });
  });

  it("a paused engine whose run was taken over writes nothing when it resumes", async () => {
    const { engine, client, clock, journal } = setup();
    const first = engine("a");
    const run = await client.start(approval, "q");
    await runUntilIdle(first);
    await client.signal(run.runId, "approve", "first");
    const round = first.runOnce();
    first.pause();
    await round;
    clock.advance(leaseMs + 1);
    const second = engine("b");
    await runUntilIdle(second);
    expect(await client.describe(run.runId)).toMatchObject({ status: "completed", result: "q:first" });
    const history = await journal.readHistory(run.runId);
    first.resume();
    await first.stop({ graceful: true });
    expect(await journal.readHistory(run.runId)).toEqual(history);
    expect((await journal.getRun(run.runId))?.status).toBe("completed");
  });

  it("crash() keeps the lease until it expires; another engine then takes the run over", async () => {
    const { engine, client, clock } = setup();
    const first = engine("a");
    const run = await client.start(approval, "y");
    await runUntilIdle(first);
    first.crash();
    await client.signal(run.runId, "approve", "late");
    const second = engine("b");
    // The dead engine's lease still holds: nothing moves.
    expect(await second.runOnce()).toBe(false);
    expect(await first.runOnce()).toBe(false); // a crashed engine does nothing any more
    clock.advance(leaseMs + 1);
    await runUntilIdle(second);
    expect(await client.describe(run.runId)).toMatchObject({ status: "completed", result: "y:late" });
  });

  it("stop() gives the leases back: another engine takes the run at once", async () => {
    const { engine, client } = setup();
    const first = engine("a");
    const run = await client.start(approval, "z");
    await runUntilIdle(first);
    await first.stop({ graceful: true });
    await client.signal(run.runId, "approve", "now");
    await runUntilIdle(engine("b"));
    expect(await client.describe(run.runId)).toMatchObject({ status: "completed", result: "z:now" });
  });

  it("a crashed engine's in-flight work never reaches the journal", async () => {
    const { engine, client, journal } = setup();
    const first = engine("a");
    const run = await client.start(sagaV1, "s");
    const pending = first.runOnce(); // steps the start, schedules the reservation
    first.crash();
    expect(await pending).toBe(false);
    const before = await journal.readHistory(run.runId);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await journal.readHistory(run.runId)).toEqual(before);
  });
});
