import { describe, expect, it } from "vitest";
import type { InboxItem } from "../journal.ts";
import { RecentSignals } from "./recent-signals.ts";

const item = (runId: string, id: number): InboxItem => ({
  id,
  runId,
  event: { kind: "signal_received", name: "go", payload: id },
  receivedAt: 0,
});
const sent =
  (runId: string, id: number, storedLength = 10) =>
  async () => ({
    accepted: true,
    item: item(runId, id),
    storedLength,
  });

describe("RecentSignals", () => {
  it("gives a sent item once, by run and id", async () => {
    const recent = new RecentSignals();
    await recent.track("r1", sent("r1", 7));
    expect(await recent.take("r2", 7)).toBeUndefined();
    expect(await recent.take("r1", 7)).toEqual(item("r1", 7));
    expect(await recent.take("r1", 7)).toBeUndefined();
  });

  it("a lookup waits for a send of the same run still in flight (its hint may come first)", async () => {
    const recent = new RecentSignals();
    let finish: () => void = () => {};
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const sending = recent.track("r1", async () => {
      await gate;
      return { accepted: true, item: item("r1", 1), storedLength: 10 };
    });
    const taking = recent.take("r1", 1);
    finish();
    await sending;
    expect(await taking).toEqual(item("r1", 1));
  });

  it("keeps no large bodies, no more than its capacity, nothing at capacity 0, and passes failures on", async () => {
    const recent = new RecentSignals(2);
    await recent.track("r1", sent("r1", 1, 100_000));
    expect(await recent.take("r1", 1)).toBeUndefined();
    for (const id of [2, 3, 4]) await recent.track("r1", sent("r1", id));
    expect(await recent.take("r1", 2)).toBeUndefined(); // the oldest left first
    expect(await recent.take("r1", 4)).toEqual(item("r1", 4));
    const none = new RecentSignals(0);
    await none.track("r1", sent("r1", 5));
    expect(await none.take("r1", 5)).toBeUndefined();
    await expect(recent.track("r1", () => Promise.reject(new Error("refused")))).rejects.toThrow("refused");
    expect(await recent.take("r1", 9)).toBeUndefined(); // a failed send leaves nothing in flight
  });
});
