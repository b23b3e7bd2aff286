import { describe, expect, it } from "vitest";
import { EventEmitter } from "eventemitter3";
import { ManualClock, MemoryJournal } from "../journal/memory/index.ts";
import { decode } from "../codec/index.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { createManualTimers } from "../testing/manual-timers.ts";
import { activityContext } from "./activity-context.ts";
import { createActivityPool, type ActivityImplementation } from "./activity-pool.ts";
import type { EngineEvents } from "./engine-events.ts";
import { realTimers } from "./engine-timers.ts";
import { inboxOf, seedTask } from "./test-support/seed-task.ts";

function setup(implementations: Record<string, ActivityImplementation>, useRealTimers = false) {
  const clock = new ManualClock();
  const journal = new MemoryJournal({ clock });
  const timers = createManualTimers(clock);
  const events = new EventEmitter<EngineEvents>();
  const log: string[] = [];
  for (const name of [
    "activity.started",
    "activity.completed",
    "activity.failed",
    "activity.retried",
    "activity.timed_out",
    "activity.stale",
  ] as const) {
    events.on(name, (e: { attempt: number }) => log.push(`${name}#${e.attempt}`));
  }
  const pool = createActivityPool({
    journal,
    owner: "pool-test",
    concurrency: 4,
    activities: new Map(Object.entries(implementations)),
    events,
    timers: useRealTimers ? realTimers : timers,
  });
  /** Claims what is due and waits until every started attempt settled. */
  const runDue = async (): Promise<number> => {
    const started = await pool.claimAndStart();
    while (pool.active > 0) await pool.whenAnySettles();
    return started;
  };
  return { clock, journal, timers, events, pool, log, runDue };
}

describe("activity pool", () => {
  it("runs the activity with its decoded arguments and puts the encoded result in the run's inbox", async () => {
    const seen: unknown[][] = [];
    const t = setup({
      "math.add": (a: number, b: { n: bigint }) => (
        seen.push([a, b]),
        { sum: BigInt(a) + b.n, at: new Date(0) }
      ),
    });
    const { runId, identity } = await seedTask(t.journal, "math.add", [2, { n: 40n }]);

    expect(await t.runDue()).toBe(1);

    expect(seen).toEqual([[2, { n: 40n }]]);
    const [event] = await inboxOf(t.journal, runId);
    expect(event?.kind).toBe("activity_completed");
    if (event?.kind !== "activity_completed") throw new Error("unreachable");
    expect(event.identity).toBe(identity);
    expect(event.attempts).toBe(1);
    expect(decode(event.result)).toEqual({ sum: 42n, at: new Date(0) });
    expect(t.log).toEqual(["activity.started#1", "activity.completed#1"]);
  });

  it("retries with the policy's exponential backoff and succeeds on a later attempt", async () => {
    const attempts: number[] = [];
    const t = setup({
      flaky: () => {
        const { attempt } = activityContext();
        attempts.push(attempt);
        if (attempt < 3) throw new Error(`transient ${attempt}`);
        return "ok";
      },
    });
    const retried: number[] = [];
    t.events.on("activity.retried", (e) => retried.push(e.delayMs));
    const { runId } = await seedTask(t.journal, "flaky", [], {
      retry: { maxAttempts: 5, initialIntervalMs: 1_000, backoffCoefficient: 2 },
    });

    await t.runDue();
    expect(await t.runDue()).toBe(0); // not due before the backoff
    t.clock.advance(999);
    expect(await t.runDue()).toBe(0);
    t.clock.advance(1);
    await t.runDue();
    t.clock.advance(1_999);
    expect(await t.runDue()).toBe(0);
    t.clock.advance(1);
    await t.runDue();

    expect(attempts).toEqual([1, 2, 3]);
    expect(retried).toEqual([1_000, 2_000]);
    const [event] = await inboxOf(t.journal, runId);
    expect(event).toMatchObject({ kind: "activity_completed", attempts: 3 });
  });

  it("fails at once on a non-retryable error, matched by name or by code", async () => {
    class CardDeclined extends Error {
      override name = "CardDeclined";
    }
    const t = setup({
      byName: () => {
        throw new CardDeclined("declined");
      },
      byCode: () => {
        throw Object.assign(new Error("no such account"), { code: "E_NO_ACCOUNT" });
      },
    });
    const a = await seedTask(t.journal, "byName", [], {
      retry: { maxAttempts: 5, nonRetryableErrors: ["CardDeclined"] },
    });
    const b = await seedTask(t.journal, "byCode", [], {
      retry: { maxAttempts: 5, nonRetryableErrors: ["E_NO_ACCOUNT"] },
    });

    await t.runDue();

    const [ea] = await inboxOf(t.journal, a.runId);
    const [eb] = await inboxOf(t.journal, b.runId);
    expect(ea).toMatchObject({
      kind: "activity_failed",
      attempts: 1,
      error: { name: "CardDeclined", message: "declined" },
    });
    expect(eb).toMatchObject({ kind: "activity_failed", attempts: 1, error: { message: "no such account" } });
    expect(t.log.filter((l) => l.startsWith("activity.retried"))).toEqual([]);
  });

  it("fails once maxAttempts is reached", async () => {
    const t = setup({
      broken: () => {
        throw new TypeError("always");
      },
    });
    const { runId } = await seedTask(t.journal, "broken", [], {
      retry: { maxAttempts: 2, initialIntervalMs: 10 },
    });
    await t.runDue();
    t.clock.advance(10);
    await t.runDue();
    const [event] = await inboxOf(t.journal, runId);
    expect(event).toMatchObject({
      kind: "activity_failed",
      attempts: 2,
      error: { name: "TypeError", message: "always" },
    });
    expect(t.log).toEqual([
      "activity.started#1",
      "activity.retried#1",
      "activity.started#2",
      "activity.failed#2",
    ]);
  });

  it("an unserializable result fails the activity without retrying", async () => {
    const t = setup({ fn: () => ({ callback: () => 1 }) });
    const { runId } = await seedTask(t.journal, "fn", [], { retry: { maxAttempts: 5 } });
    await t.runDue();
    const [event] = await inboxOf(t.journal, runId);
    expect(event).toMatchObject({
      kind: "activity_failed",
      attempts: 1,
      error: { code: ErrorCode.Unserializable },
    });
  });

  it("abandons an attempt at its start-to-close timeout: aborts its signal, writes nothing, and the journal re-claims it", async () => {
    const signals: AbortSignal[] = [];
    const t = setup({
      hang: () => {
        signals.push(activityContext().signal);
        return new Promise(() => {});
      },
    });
    const { runId } = await seedTask(t.journal, "hang", [], { timeoutMs: 1_000, retry: { maxAttempts: 2 } });
    expect(await t.pool.claimAndStart()).toBe(1);
    t.timers.advanceTo(t.clock.now() + 999);
    expect(signals[0]?.aborted).toBe(false);
    t.timers.advanceTo(t.clock.now() + 1);
    await t.pool.whenAnySettles();
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toMatchObject({
      code: ErrorCode.Timeout,
      data: { kind: "start_to_close", timeoutMs: 1_000 },
    });
    expect(t.log).toEqual(["activity.started#1", "activity.timed_out#1"]);
    expect(await inboxOf(t.journal, runId)).toEqual([]);

    // The journal abandons the attempt on its own clock and hands out attempt 2; its timeout is the last.
    expect(await t.pool.claimAndStart()).toBe(1);
    expect(t.log.at(-1)).toBe("activity.started#2");
    t.timers.advanceTo(t.clock.now() + 1_000);
    await t.pool.whenAnySettles();
    expect(await t.pool.claimAndStart()).toBe(0);
    const [event] = await inboxOf(t.journal, runId);
    expect(event).toMatchObject({ kind: "activity_failed", attempts: 2 });
  });

  it("keeps an attempt alive while it heartbeats and abandons it when the heartbeats stop", async () => {
    const steps: (() => void)[] = [];
    const next = () => new Promise<void>((resolve) => steps.push(resolve));
    let signal: AbortSignal | undefined;
    const t = setup({
      beat: async () => {
        const ctx = activityContext();
        signal = ctx.signal;
        await next();
        await ctx.heartbeat({ done: 1 });
        await next();
        await ctx.heartbeat({ done: 2 });
        await next(); // stops heartbeating here
        return "finished";
      },
    });
    await seedTask(t.journal, "beat", [], { timeoutMs: 60_000, heartbeatTimeoutMs: 500 });
    await t.pool.claimAndStart();
    const tick = async (ms: number) => {
      await new Promise((r) => setImmediate(r)); // let the activity reach its next heartbeat first
      t.timers.advanceTo(t.clock.now() + ms);
      await new Promise((r) => setImmediate(r));
    };
    await tick(400);
    steps.shift()?.();
    await tick(400); // 800 ms since start, 400 since the last heartbeat
    expect(signal?.aborted).toBe(false);
    steps.shift()?.();
    await tick(400);
    expect(signal?.aborted).toBe(false);
    await tick(100); // 500 ms without a heartbeat
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toMatchObject({ data: { kind: "heartbeat", timeoutMs: 500 } });
    expect(t.log).toContain("activity.timed_out#1");
  });

  it("throttles heartbeats: a tight loop reaches the journal once per window, and the local timeout still resets on every call", async () => {
    const steps: (() => void)[] = [];
    const next = () => new Promise<void>((resolve) => steps.push(resolve));
    const t = setup({
      busy: async () => {
        const ctx = activityContext();
        for (let i = 0; i < 100; i++) await ctx.heartbeat(i);
        await next();
        for (let i = 0; i < 100; i++) await ctx.heartbeat(i);
        return "ok";
      },
    });
    let sent = 0;
    const original = t.journal.heartbeatTasks.bind(t.journal);
    t.journal.heartbeatTasks = async (heartbeats) => {
      sent++;
      return original(heartbeats);
    };
    await seedTask(t.journal, "busy", [], { heartbeatTimeoutMs: 1_200 });
    await t.pool.claimAndStart();
    await new Promise((r) => setImmediate(r));
    expect(sent).toBe(1);
    t.timers.advanceTo(t.clock.now() + 400); // one throttle window (a third of the heartbeat timeout)
    steps.shift()?.();
    await t.pool.whenAnySettles();
    expect(sent).toBe(2);
    expect(t.log).toEqual(["activity.started#1", "activity.completed#1"]);
  });

  it("retries reporting an outcome through a journal blip instead of losing the finished work", async () => {
    let runs = 0;
    const t = setup({ once: () => ++runs });
    const errors: unknown[] = [];
    t.events.on("engine.error", (e) => errors.push(e.error));
    let failuresLeft = 2;
    const original = t.journal.finishTask.bind(t.journal);
    t.journal.finishTask = async (claim, outcome) => {
      if (failuresLeft-- > 0) throw new Error("connection reset");
      return original(claim, outcome);
    };
    const { runId } = await seedTask(t.journal, "once", []);
    await t.pool.claimAndStart();
    for (let i = 0; i < 3 && t.pool.active > 0; i++) {
      await new Promise((r) => setImmediate(r));
      t.timers.advanceTo(t.clock.now() + 1_000); // the report's backoff runs on the engine's timers
    }
    await t.pool.whenAnySettles();
    expect(runs).toBe(1);
    expect(errors).toHaveLength(2);
    expect(t.log).toEqual(["activity.started#1", "activity.completed#1"]);
    expect(await inboxOf(t.journal, runId)).toMatchObject([{ kind: "activity_completed", attempts: 1 }]);
  });

  it("logs a late result from an attempt the journal already gave to someone else as activity.stale, and ignores it", async () => {
    let release: (value: string) => void = () => {};
    const t = setup({ slow: () => new Promise<string>((resolve) => (release = resolve)) }, true);
    const { runId } = await seedTask(t.journal, "slow", [], { timeoutMs: 1_000, retry: { maxAttempts: 3 } });
    await t.pool.claimAndStart();
    // The journal's clock passes the deadline before this process noticed; another worker takes attempt 2.
    t.clock.advance(1_001);
    const [other] = await t.journal.claimTasks({ owner: "other", limit: 1 });
    expect(other?.attempt).toBe(2);
    release("late");
    await t.pool.whenAnySettles();
    expect(t.log).toEqual(["activity.started#1", "activity.stale#1"]);
    expect(await inboxOf(t.journal, runId)).toEqual([]);
  });

  it("aborts running attempts on shutdown and claims nothing for unknown activities", async () => {
    let signal: AbortSignal | undefined;
    const t = setup({ wait: () => new Promise(() => (signal = activityContext().signal)) });
    await seedTask(t.journal, "wait", []);
    await seedTask(t.journal, "unknown.activity", []);
    expect(await t.pool.claimAndStart()).toBe(1);
    expect(await t.pool.claimAndStart()).toBe(0);
    t.pool.abortAll();
    await t.pool.whenAnySettles();
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toMatchObject({ code: ErrorCode.EngineStopped });
    expect(t.pool.active).toBe(0);
  });

  it("activityContext() outside an activity throws a clear error", () => {
    expect(() => activityContext()).toThrow(/outside an activity/);
  });
});
