import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../errors/error-code.ts";
import type { Journal, RunClaim, TaskClaim } from "../../journal/journal.ts";
import type { HistoryEventBody } from "../../model/history-event.ts";
import type { HarnessRef } from "./conformance-harness.ts";
import { options, scheduledEvent, start, task, timerEvent } from "./conformance-harness.ts";

/** Small deterministic PRNG (mulberry32), so a failing seed replays exactly. */
function random(seed: number): { next(): number; int(n: number): number; pick<T>(items: readonly T[]): T } {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

/** Expects a call to succeed or to be refused with one of `codes`; returns whether it succeeded. */
async function succeedsOr(call: Promise<unknown>, codes: readonly string[]): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (error) {
    expect(codes).toContain((error as { code?: unknown }).code);
    return false;
  }
}

interface World {
  readonly journal: Journal;
  readonly advance: (ms: number) => Promise<void>;
  readonly acceptedSignals: Map<string, Set<string>>;
  readonly refusedSignals: Set<string>;
  readonly staleRuns: RunClaim[];
  readonly staleTasks: TaskClaim[];
  counter: number;
}

/** One engine step: claim, then commit (or "crash" and keep the claim to use it late). */
async function engineStep(world: World, owner: string, rng: ReturnType<typeof random>): Promise<void> {
  const claims = await world.journal.claimRuns({ owner, limit: 2, leaseMs: 5_000 });
  for (const claim of claims) {
    if (rng.next() < 0.15) {
      world.staleRuns.push(claim);
      continue;
    }
    await commitClaim(world, claim, rng);
  }
}

async function commitClaim(world: World, claim: RunClaim, rng: ReturnType<typeof random>): Promise<boolean> {
  const events: HistoryEventBody[] = claim.inbox.map((item) => item.event);
  const tasks = [];
  const timers = [];
  const roll = rng.next();
  if (roll < 0.35) {
    const t = task(
      `activity:act#0@${world.counter++}`,
      rng.pick(["a", "b"]),
      [world.counter],
      options({ maxAttempts: 2, startToCloseMs: 3_000 }),
    );
    tasks.push(t);
    events.push(scheduledEvent(t));
  } else if (roll < 0.6) {
    const timer = { identity: `sleep:#0@${world.counter++}`, delayMs: rng.int(5_000) };
    timers.push(timer);
    events.push(timerEvent(timer));
  }
  const before = await world.journal.readHistory(claim.run.runId);
  const ok = await succeedsOr(
    world.journal.commitStep({
      lease: claim.lease,
      lastSeq: claim.run.lastSeq,
      delivered: claim.inbox.map((item) => item.id),
      events,
      tasks,
      timers,
      cancelTimers: [],
      run: { status: "running" },
    }),
    [ErrorCode.LeaseLost, ErrorCode.SequenceConflict],
  );
  if (!ok) expect(await world.journal.readHistory(claim.run.runId)).toEqual(before);
  return ok;
}

/** One worker step: claim tasks and complete, retry, fail or abandon each attempt. */
async function workerStep(world: World, rng: ReturnType<typeof random>): Promise<void> {
  const claims = await world.journal.claimTasks({ owner: "worker", limit: 3 });
  for (const claim of claims) {
    const roll = rng.next();
    if (roll < 0.5)
      await world.journal.finishTask(claim, { kind: "completed", result: { attempt: claim.attempt } });
    else if (roll < 0.7)
      await world.journal.finishTask(claim, {
        kind: "retry",
        error: { name: "Error", message: "flaky" },
        delayMs: rng.int(2_000),
      });
    else if (roll < 0.8)
      await world.journal.finishTask(claim, { kind: "failed", error: { name: "Error", message: "no" } });
    else world.staleTasks.push(claim);
  }
}

/** Runs a random schedule, drains it, and checks what every adapter must guarantee. */
async function scenario(h: HarnessRef, seed: number): Promise<void> {
  const { journal, advance } = h();
  const rng = random(seed);
  const runs = await Promise.all(Array.from({ length: 4 }, () => start(journal)));
  const world: World = {
    journal,
    advance,
    acceptedSignals: new Map(runs.map((r) => [r.runId, new Set<string>()])),
    refusedSignals: new Set(),
    staleRuns: [],
    staleTasks: [],
    counter: 0,
  };
  for (let op = 0; op < 200; op++) {
    const roll = rng.next();
    if (roll < 0.3) await engineStep(world, rng.pick(["engine-1", "engine-2"]), rng);
    else if (roll < 0.5) await workerStep(world, rng);
    else if (roll < 0.62) {
      const run = rng.pick(runs);
      const token = `s${op}`;
      const { accepted } = await journal.sendSignal({
        runId: run.runId,
        name: "sig",
        payload: token,
        deliveryId: `d${rng.int(6)}`,
      });
      (accepted ? world.acceptedSignals.get(run.runId)! : world.refusedSignals).add(token);
    } else if (roll < 0.72) await journal.fireDueTimers(rng.int(3) + 1);
    else if (roll < 0.85) await advance(rng.int(4_000));
    else if (roll < 0.93 && world.staleRuns.length > 0)
      await commitClaim(world, world.staleRuns.shift()!, rng);
    else if (world.staleTasks.length > 0) {
      const late = world.staleTasks.shift()!;
      await succeedsOr(journal.finishTask(late, { kind: "completed", result: "late" }), [
        ErrorCode.StaleAttempt,
      ]);
    }
  }
  // Drain: let leases and attempts expire, then resolve everything still pending.
  for (let round = 0; round < 20; round++) {
    await advance(10_000);
    await journal.fireDueTimers(1_000);
    for (const claim of await journal.claimTasks({ owner: "drain", limit: 1_000 }))
      await journal.finishTask(claim, { kind: "completed", result: "drained" });
    const claims = await journal.claimRuns({ owner: "drain", limit: 100, leaseMs: 5_000 });
    for (const claim of claims) {
      await journal.commitStep({
        lease: claim.lease,
        lastSeq: claim.run.lastSeq,
        delivered: claim.inbox.map((item) => item.id),
        events: claim.inbox.map((item) => item.event),
        tasks: [],
        timers: [],
        cancelTimers: [],
        run: { status: "running" },
      });
    }
    if (claims.length === 0 && (await journal.nextDueAt()) === undefined) break;
  }
  expect(await journal.nextDueAt()).toBeUndefined();
  for (const run of runs) {
    const history = await journal.readHistory(run.runId);
    expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
    expect(history[0]?.kind).toBe("run_started");
    const count = (kinds: readonly string[], identity: string) =>
      history.filter((e) => kinds.includes(e.kind) && "identity" in e && e.identity === identity).length;
    for (const event of history) {
      if (event.kind === "activity_scheduled")
        expect(count(["activity_completed", "activity_failed"], event.identity), event.identity).toBe(1);
      if (event.kind === "timer_started")
        expect(count(["timer_fired"], event.identity), event.identity).toBe(1);
      if (event.kind === "activity_completed" || event.kind === "activity_failed")
        expect(count(["activity_scheduled"], event.identity)).toBe(1);
    }
    const received = history.flatMap((e) => (e.kind === "signal_received" ? [e.payload as string] : []));
    expect([...received].sort()).toEqual([...world.acceptedSignals.get(run.runId)!].sort());
    for (const token of received) expect(world.refusedSignals.has(token)).toBe(false);
  }
}

/** Random schedules of engines, workers, clients and time; invariants checked after draining. */
export function scenarioConformance(h: HarnessRef): void {
  describe("random schedules", () => {
    for (const seed of [1, 42, 2026]) {
      it(`seed ${seed}: gap-free histories, every task and timer resolved once, every accepted signal delivered once`, async () => {
        await scenario(h, seed);
      });
    }
  });
}
