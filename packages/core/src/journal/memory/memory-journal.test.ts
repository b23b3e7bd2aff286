import { describe, expect, it } from "vitest";
import { runJournalConformance } from "../../testing/journal-conformance.ts";
import { ManualClock } from "./manual-clock.ts";
import { MemoryJournal } from "./memory-journal.ts";

runJournalConformance("memory", {
  async create() {
    const clock = new ManualClock();
    const journal = new MemoryJournal({ clock });
    return {
      journal,
      advance: async (ms) => clock.advance(ms),
      close: () => journal.close(),
    };
  },
});

describe("MemoryJournal specifics", () => {
  it("copies claims and inbox items out: mutating them changes nothing stored", async () => {
    const clock = new ManualClock();
    const journal = new MemoryJournal({ clock });
    const { run } = await journal.startRun({
      namespace: "n",
      workflowName: "w",
      versionHash: "v",
      input: null,
    });
    await journal.sendSignal({ runId: run.runId, name: "s", payload: { list: [1] } });
    const [claim] = await journal.claimRuns({ owner: "o", limit: 1, leaseMs: 1000 });
    const event = claim!.inbox[0]!.event as unknown as { payload: { list: number[] } };
    event.payload.list.push(2);
    const [again] = await journal.claimRuns({ owner: "o", limit: 1, leaseMs: 1000 });
    expect(again!.inbox[0]!.event).toEqual({ kind: "signal_received", name: "s", payload: { list: [1] } });
  });

  it("uses the injected clock for every timestamp", async () => {
    const clock = new ManualClock(1_000_000);
    const journal = new MemoryJournal({ clock });
    const { run } = await journal.startRun({
      namespace: "n",
      workflowName: "w",
      versionHash: "v",
      input: null,
    });
    expect(run.createdAt).toBe(1_000_000);
    clock.advance(500);
    expect(await journal.now()).toBe(1_000_500);
    const [claim] = await journal.claimRuns({ owner: "o", limit: 1, leaseMs: 1000 });
    expect(claim!.now).toBe(1_000_500);
    expect(claim!.leaseExpiresAt).toBe(1_001_500);
  });

  it("delivers hints on a later microtask, and none after close", async () => {
    const journal = new MemoryJournal({ clock: new ManualClock() });
    const seen: string[] = [];
    journal.notifier.subscribe("run_ready", (id) => seen.push(id));
    const { run } = await journal.startRun({
      namespace: "n",
      workflowName: "w",
      versionHash: "v",
      input: null,
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(seen).toEqual([run.runId]);
    await journal.close();
    await journal.startRun({ namespace: "n", workflowName: "w", versionHash: "v", input: null });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toEqual([run.runId]);
  });

  it("ManualClock never goes backwards", () => {
    const clock = new ManualClock(10);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    clock.advanceTo(5);
    expect(clock.now()).toBe(10);
    clock.advanceTo(20);
    expect(clock.now()).toBe(20);
  });
});
