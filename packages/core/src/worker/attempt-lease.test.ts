import { describe, expect, it } from "vitest";
import { EventEmitter } from "eventemitter3";
import { ManualClock, MemoryJournal } from "../journal/memory/index.ts";
import type { HeartbeatTasksOptions, TaskHeartbeat } from "../journal/journal.ts";
import { isCancellation } from "../workflow/index.ts";
import { createManualTimers } from "../testing/manual-timers.ts";
import { activityContext } from "./activity-context.ts";
import { createActivityPool, type ActivityImplementation } from "./activity-pool.ts";
import type { EngineEvents } from "./engine-events.ts";
import { seedTask } from "./test-support/seed-task.ts";

// The pool's side of the engine's attempt lease: its heartbeat flushes renew every running
// attempt (heartbeating or not) every third of the lease, in one journal call, and an answer
// that lists an attempt as withdrawn aborts its signal with a CancelledError.

const leaseMs = 3_000;

function setup(implementations: Record<string, ActivityImplementation>) {
  const clock = new ManualClock();
  const journal = new MemoryJournal({ clock });
  const timers = createManualTimers(clock);
  const batches: { beats: TaskHeartbeat[]; options: HeartbeatTasksOptions | undefined }[] = [];
  const original = journal.heartbeatTasks.bind(journal);
  journal.heartbeatTasks = async (heartbeats, options) => {
    batches.push({ beats: [...heartbeats], options });
    return original(heartbeats, options);
  };
  const pool = createActivityPool({
    journal,
    owner: "lease-test",
    concurrency: 8,
    activities: new Map(Object.entries(implementations)),
    events: new EventEmitter<EngineEvents>(),
    timers,
    attemptLeaseMs: leaseMs,
  });
  const settle = () => new Promise((r) => setImmediate(r));
  const tick = async (ms: number) => {
    await settle();
    timers.advanceTo(clock.now() + ms);
    await settle();
  };
  return { clock, journal, pool, batches, settle, tick };
}

describe("the engine's attempt lease in the activity pool", () => {
  it("silent attempts are renewed together every third of the lease, and stay claimed past it", async () => {
    const releases: (() => void)[] = [];
    const t = setup({
      silent: () => new Promise<string>((resolve) => releases.push(() => resolve("done"))),
    });
    for (let n = 0; n < 3; n++) await seedTask(t.journal, "silent", [n], { timeoutMs: 600_000 });
    expect(await t.pool.claimAndStart()).toBe(3);
    await t.settle();
    expect(t.batches).toEqual([]); // just claimed with the lease: nothing to renew yet
    for (let round = 1; round <= 4; round++) {
      await t.tick(leaseMs / 3);
      expect(t.batches).toHaveLength(round);
    }
    for (const batch of t.batches) {
      expect(batch.options).toEqual({ attemptLeaseMs: leaseMs });
      expect(batch.beats).toHaveLength(3);
      expect(batch.beats.every((b) => b.renew === true)).toBe(true);
    }
    // 4 s in, past the 3 s lease: still theirs (no other engine can claim them).
    expect(await t.journal.claimTasks({ owner: "other", limit: 10 })).toEqual([]);
    for (const release of releases) release();
    while (t.pool.active > 0) await t.pool.whenAnySettles();
    const flushes = t.batches.length;
    await t.tick(leaseMs);
    expect(t.batches).toHaveLength(flushes); // nothing running: no renewals
  });

  it("an attempt the answer lists as withdrawn sees its signal abort with a CancelledError, once", async () => {
    let reason: unknown;
    let aborts = 0;
    const t = setup({
      hold: () =>
        new Promise<string>((_resolve, reject) => {
          const { signal } = activityContext();
          signal.addEventListener("abort", () => {
            aborts += 1;
            reason = signal.reason;
            reject(signal.reason as Error);
          });
        }),
    });
    const { runId, identity } = await seedTask(t.journal, "hold", [], { timeoutMs: 600_000 });
    expect(await t.pool.claimAndStart()).toBe(1);
    await t.tick(leaseMs / 3);
    expect(reason).toBeUndefined();
    // Another engine's step withdraws the call (cancelTasks marks the running attempt).
    await t.journal.sendSignal({ runId, name: "poke", payload: null });
    const [claim] = await t.journal.claimRuns({ owner: "stepper", limit: 1, leaseMs: 60_000 });
    await t.journal.commitStep({
      lease: claim!.lease,
      lastSeq: claim!.run.lastSeq,
      delivered: claim!.inbox.map((i) => i.id),
      events: claim!.inbox.map((i) => i.event),
      tasks: [],
      timers: [],
      cancelTimers: [],
      cancelTasks: [identity],
      run: { status: "running" },
    });
    await t.tick(leaseMs / 3);
    expect(isCancellation(reason)).toBe(true);
    while (t.pool.active > 0) await t.pool.whenAnySettles();
    expect(aborts).toBe(1);
  });
});
