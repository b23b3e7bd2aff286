import { describe, expect, it } from "vitest";
import { EventEmitter } from "eventemitter3";
import { ManualClock, MemoryJournal } from "../journal/memory/index.ts";
import type { TaskHeartbeat } from "../journal/journal.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { createManualTimers } from "../testing/manual-timers.ts";
import { activityContext } from "./activity-context.ts";
import { createActivityPool, type ActivityImplementation } from "./activity-pool.ts";
import type { EngineEvents } from "./engine-events.ts";
import { heartbeatFlushMs } from "./heartbeat-batcher.ts";
import { seedTask } from "./test-support/seed-task.ts";

function setup(implementations: Record<string, ActivityImplementation>, concurrency = 8) {
  const clock = new ManualClock();
  const journal = new MemoryJournal({ clock });
  const timers = createManualTimers(clock);
  const events = new EventEmitter<EngineEvents>();
  const batches: TaskHeartbeat[][] = [];
  const original = journal.heartbeatTasks.bind(journal);
  let failNext = 0;
  journal.heartbeatTasks = async (heartbeats) => {
    batches.push([...heartbeats]);
    if (failNext > 0) {
      failNext--;
      throw new Error("connection reset");
    }
    return original(heartbeats);
  };
  const pool = createActivityPool({
    journal,
    owner: "batch-test",
    concurrency,
    activities: new Map(Object.entries(implementations)),
    events,
    timers,
  });
  const settle = () => new Promise((r) => setImmediate(r));
  const tick = async (ms: number) => {
    await settle();
    timers.advanceTo(clock.now() + ms);
    await settle();
  };
  return {
    clock,
    journal,
    timers,
    events,
    pool,
    batches,
    settle,
    tick,
    failFlushes: (n: number) => (failNext = n),
  };
}

/** An activity that heartbeats `i` on every `step()` until told to stop. */
function gate() {
  const waiting: (() => void)[] = [];
  return {
    next: () => new Promise<void>((resolve) => waiting.push(resolve)),
    releaseAll: () => waiting.splice(0).forEach((resolve) => resolve()),
  };
}

describe("heartbeat batcher", () => {
  it("the flush interval is a third of the heartbeat timeout, at most one second", () => {
    expect(heartbeatFlushMs(undefined)).toBe(1_000);
    expect(heartbeatFlushMs(60_000)).toBe(1_000);
    expect(heartbeatFlushMs(900)).toBe(300);
  });

  it("N attempts heartbeating in a window reach the journal as one batch, each with its latest details", async () => {
    const g = gate();
    let stop = false;
    const t = setup({
      beat: async (n: number) => {
        const ctx = activityContext();
        for (let i = 0; !stop; i++) {
          await ctx.heartbeat({ n, i });
          await g.next();
        }
        return n;
      },
    });
    for (let n = 0; n < 5; n++) await seedTask(t.journal, "beat", [n], { heartbeatTimeoutMs: 3_000 });
    expect(await t.pool.claimAndStart()).toBe(5);
    await t.settle();
    // The first heartbeats after a quiet period go at once, together.
    expect(t.batches).toHaveLength(1);
    expect(t.batches[0]).toHaveLength(5);
    for (let round = 0; round < 3; round++) {
      g.releaseAll(); // every attempt heartbeats again, 3 times per window
      await t.settle();
      g.releaseAll();
      await t.settle();
      g.releaseAll();
      await t.tick(1_000);
    }
    expect(t.batches).toHaveLength(4);
    for (const batch of t.batches.slice(1)) {
      expect(batch).toHaveLength(5);
      expect(new Set(batch.map((b) => b.claim.taskId)).size).toBe(5);
    }
    // The last batch carries each attempt's latest details (i = 9 after 3 rounds of 3).
    expect(t.batches[3]!.map((b) => (b.details as { i: number }).i)).toEqual([9, 9, 9, 9, 9]);
    stop = true;
    g.releaseAll();
    while (t.pool.active > 0) await t.pool.whenAnySettles();
  });

  it("a refused heartbeat aborts that attempt's signal with StaleAttemptError; the others run on", async () => {
    const g = gate();
    const signals = new Map<number, AbortSignal>();
    const t = setup({
      beat: async (n: number) => {
        const ctx = activityContext();
        signals.set(n, ctx.signal);
        await ctx.heartbeat(n);
        await g.next();
        await ctx.heartbeat(n);
        await g.next();
        return n;
      },
    });
    const stale: number[] = [];
    t.events.on("activity.stale", (e) => stale.push(e.attempt));
    // Task 0's heartbeat deadline is short: the journal gives it away while this engine is slow.
    await seedTask(t.journal, "beat", [0], { heartbeatTimeoutMs: 2_000, timeoutMs: 60_000 });
    await seedTask(t.journal, "beat", [1], { heartbeatTimeoutMs: 30_000, timeoutMs: 60_000 });
    await t.pool.claimAndStart();
    await t.settle();
    expect(t.batches).toHaveLength(1);
    const taskZero = t.batches[0]!.find((b) => b.details === 0)!;
    t.clock.advance(2_500); // journal time only: this engine's local timers have not run yet
    const [takeover] = await t.journal.claimTasks({ owner: "other", limit: 10 });
    expect(takeover?.taskId).toBe(taskZero.claim.taskId);
    g.releaseAll(); // both heartbeat again: one flush, task 0 refused in it
    await t.settle();
    await t.settle();
    expect(t.batches).toHaveLength(2);
    expect(t.batches[1]).toHaveLength(2);
    const refusedSignal = signals.get(0)!;
    const liveSignal = signals.get(1)!;
    expect(refusedSignal.aborted).toBe(true);
    expect(refusedSignal.reason).toMatchObject({ code: ErrorCode.StaleAttempt });
    expect(liveSignal.aborted).toBe(false);
    expect(stale).toEqual([1]);
    g.releaseAll();
    while (t.pool.active > 0) await t.pool.whenAnySettles();
  });

  it("a failed flush is reported and its heartbeats go with the next one", async () => {
    const g = gate();
    const t = setup({
      beat: async () => {
        const ctx = activityContext();
        await ctx.heartbeat("first");
        await g.next();
        return "ok";
      },
    });
    const errors: unknown[] = [];
    t.events.on("engine.error", (e) => errors.push(e.error));
    t.failFlushes(1);
    await seedTask(t.journal, "beat", [], { heartbeatTimeoutMs: 3_000 });
    await t.pool.claimAndStart();
    await t.settle();
    expect(errors).toHaveLength(1);
    await t.tick(1_000);
    expect(t.batches).toHaveLength(2);
    expect(t.batches[1]!.map((b) => b.details)).toEqual(["first"]);
    g.releaseAll();
    while (t.pool.active > 0) await t.pool.whenAnySettles();
  });

  it("the next attempt reads the last details through ctx.lastHeartbeatDetails", async () => {
    const seen: unknown[] = [];
    const t = setup({
      resume: async () => {
        const ctx = activityContext();
        seen.push(ctx.lastHeartbeatDetails);
        await ctx.heartbeat({ offset: 10 * ctx.attempt, at: new Date(0) });
        if (ctx.attempt === 1) throw new Error("flaky");
        return "done";
      },
    });
    await seedTask(t.journal, "resume", [], { retry: { initialIntervalMs: 0 } });
    await t.pool.claimAndStart();
    while (t.pool.active > 0) await t.pool.whenAnySettles();
    // The failed attempt's heartbeat was flushed before its retry was recorded.
    await t.pool.claimAndStart();
    while (t.pool.active > 0) await t.pool.whenAnySettles();
    expect(seen).toEqual([undefined, { offset: 10, at: new Date(0) }]);
  });
});
