import { describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import type { Journal, RunClaim } from "../journal/journal.ts";
import { ManualClock, MemoryJournal } from "../journal/memory/index.ts";
import { sideEffect, signal, workflow } from "../workflow/index.ts";
import { createEngine } from "./create-engine.ts";
import { instrumented, testRuntime } from "./test-support/drive-runtime.ts";

const file = "packages/core/src/worker/run-stepper-resilience.test.ts";
const twoSignals = workflow.stamped({
  format: 1,
  versionHash: "resilience-two-1",
  cursors: ["signal:a#0", "signal:b#0"],
  file,
  line: 10,
})("resilience.two", { version: 1 }, async () => {
  const a = await signal.at("signal:a#0")<string>("a");
  const b = await signal.at("signal:b#0")<string>("b");
  return `${a}${b}`;
});
const quick = workflow.stamped({ format: 1, versionHash: "resilience-quick-1", cursors: [], file, line: 19 })(
  "resilience.quick",
  { version: 1 },
  async () => "fine",
);

/** A memory journal whose commits for `broken` runs fail like a database that refuses them. */
function failingCommits(memory: MemoryJournal, broken: Set<string>): Journal {
  return new Proxy(memory, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      if (property === "commitStep") {
        return async (commit: Parameters<Journal["commitStep"]>[0]) => {
          if (broken.has(commit.lease.runId)) throw new Error("commit refused (simulated)");
          return target.commitStep(commit);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

describe("run stepper: a run whose step keeps failing", () => {
  it("is deferred with capped exponential backoff (by the journal clock) while other runs go on", async () => {
    const clock = new ManualClock();
    const memory = new MemoryJournal({ clock });
    const client = createClient({ journal: memory });
    const broken = new Set<string>();
    const { runtime } = testRuntime(failingCommits(memory, broken), {
      workflows: [twoSignals, quick],
      workflowConcurrency: 1,
      stepErrorBackoff: { initialMs: 1_000, maxMs: 4_000 },
    });
    const errors: string[] = [];
    runtime.events.on("engine.error", (e) => errors.push(e.runId ?? "?"));
    const bad = await client.start(twoSignals, undefined);
    broken.add(bad.runId);
    const good = await client.start(quick, undefined);

    const round = async () => {
      await runtime.pollRuns();
      await runtime.settleSteps();
    };
    await round(); // the older run first: its step fails, it is deferred 1 s
    expect(errors).toEqual([bad.runId]);
    await round(); // one slot, and the healthy run gets it
    expect((await memory.getRun(good.runId))?.status).toBe("completed");
    // Retries at 1 s, then 2 s, then 4 s, then 4 s (the cap) after each failure.
    const gaps: number[] = [];
    let last = clock.now();
    for (let ms = 0; ms < 15_000 && gaps.length < 4; ms += 250) {
      clock.advance(250);
      const before = errors.length;
      await round();
      if (errors.length > before) {
        gaps.push(clock.now() - last);
        last = clock.now();
      }
    }
    expect(gaps).toEqual([1_000, 2_000, 4_000, 4_000]);

    // Fixed: the next try steps it, and the backoff starts over.
    broken.delete(bad.runId);
    clock.advance(4_000);
    await round();
    expect((await memory.getRun(bad.runId))?.lastSeq).toBeGreaterThan(1);
  });

  it("an engine with an always-failing run polls at its poll interval, not in a tight loop", async () => {
    const memory = new MemoryJournal({ clock: new ManualClock() });
    const client = createClient({ journal: memory });
    const broken = new Set<string>();
    const { journal, calls } = instrumented(failingCommits(memory, broken));
    const bad = await client.start(twoSignals, undefined);
    broken.add(bad.runId);
    const engine = createEngine({ journal, workflows: [twoSignals], pollIntervalMs: 1_000 });
    engine.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await engine.stop();
    expect(calls("commitStep")).toBe(1);
    expect(calls("claimRuns")).toBeLessThan(10);
  });
});

describe("run stepper: claims and the engine's own steps", () => {
  it("a claim read before the engine's own step committed is skipped and the cached execution kept", async () => {
    const memory = new MemoryJournal({ clock: new ManualClock() });
    const client = createClient({ journal: memory });
    const claims: RunClaim[] = [];
    const recording = new Proxy(memory, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        if (property === "claimRuns") {
          return async (request: Parameters<Journal["claimRuns"]>[0]) => {
            const got = await target.claimRuns(request);
            claims.push(...got);
            return got;
          };
        }
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
    const { runtime } = testRuntime(recording, { workflows: [twoSignals] });
    let replays = 0;
    runtime.events.on("replay.started", () => replays++);
    const run = await client.start(twoSignals, undefined);
    await runtime.pollRuns();
    await runtime.settleSteps();
    await client.signal(run.runId, "a", "x");
    await runtime.pollRuns();
    await runtime.settleSteps();
    expect(replays).toBe(1);
    const early = claims.find((claim) => claim.inbox.length > 0)!; // the claim that delivered "a"
    // That claim arrives again, now older than the execution this engine holds.
    expect(await runtime.stepper.step(early)).toBe("skipped");
    expect(runtime.cache.size).toBe(1);
    expect((await memory.getRun(run.runId))?.leaseOwner).toBe(runtime.owner);

    await client.signal(run.runId, "b", "y");
    await runtime.pollRuns();
    await runtime.settleSteps();
    expect(replays).toBe(1); // the cached execution took the last step
    expect((await memory.getRun(run.runId))?.result).toBe("xy");
  });

  it("the lease keeper renews the lease of a step in flight, so no other engine takes the run from under it", async () => {
    const clock = new ManualClock();
    const memory = new MemoryJournal({ clock });
    const client = createClient({ journal: memory });
    let openGate: () => void = () => {};
    let calls = 0;
    const slow = workflow.stamped({
      format: 1,
      versionHash: "resilience-slow-1",
      cursors: ["sideEffect:#0"],
      file,
      line: 131,
    })("resilience.slow", { version: 1 }, async () =>
      sideEffect.at("sideEffect:#0")(async () => {
        calls += 1;
        await new Promise<void>((resolve) => (openGate = resolve));
        return calls;
      }),
    );
    const { runtime } = testRuntime(memory, { workflows: [slow], leaseMs: 1_000 });
    const lost: string[] = [];
    runtime.events.on("lease.lost", (e) => lost.push(e.during));
    const run = await client.start(slow, undefined);
    await runtime.pollRuns();
    await new Promise((resolve) => setTimeout(resolve, 10));
    for (let i = 0; i < 4; i++) {
      clock.advance(600);
      await runtime.leaseKeeper.renew();
      expect(await memory.claimRuns({ owner: "engine-b", limit: 10, leaseMs: 60_000 })).toEqual([]);
    }
    openGate();
    await runtime.settleSteps();
    expect(lost).toEqual([]);
    expect(calls).toBe(1);
    expect((await memory.getRun(run.runId))?.status).toBe("completed");
  });
});
