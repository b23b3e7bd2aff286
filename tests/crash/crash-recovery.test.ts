import { fileURLToPath } from "node:url";
import { createClient } from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeProcess, type ManagedProcess } from "../support/child-process.ts";
import { openCrashDatabase, type CrashDatabase } from "./crash-database.ts";
import { crashFlow } from "./crash-workflows.ts";

// Several real engine processes run hundreds of workflows against the real PostgreSQL server
// while a driver SIGKILLs random processes and starts new ones. Every run must complete with
// the right result, no journal may have a gap or a duplicate, and every step's effect must be
// written exactly once (at-least-once attempts + an idempotency key = effectively once).

const enginesAtOnce = 3;
const runs = Number(process.env.CRASH_RUNS ?? 200);
const stepsPerRun = 5;
const chaosMs = Number(process.env.CRASH_CHAOS_MS ?? 12_000);
const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100_000);
const engineScript = fileURLToPath(new URL("./engine-process.ts", import.meta.url));

/** Small seeded PRNG (mulberry32) so a failing kill schedule can be replayed with CRASH_SEED. */
function prng(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe("crash recovery with real processes and SIGKILL", () => {
  let crash: CrashDatabase;
  beforeAll(async () => {
    crash = await openCrashDatabase("crash");
  });
  afterAll(async () => {
    await crash?.close();
  });

  it(`completes ${runs} runs of ${stepsPerRun} steps while engines are killed at random`, async () => {
    const random = prng(seed);
    const env = { DATABASE_URL: crash.database.url, LEASE_MS: "1500" };
    const launch = () => {
      const engine = startNodeProcess(engineScript, env);
      crash.engines.push(engine);
      return engine;
    };
    const live = new Set<ManagedProcess>();
    for (let i = 0; i < enginesAtOnce; i += 1) live.add(launch());
    await Promise.all([...live].map((engine) => engine.waitForLine(/^READY/)));

    const client = createClient({ journal: crash.journal });
    const handles = [];
    for (let i = 0; i < runs; i += 1) {
      handles.push(await client.start(crashFlow, { key: `r${i}`, steps: stepsPerRun }, { id: `crash-${i}` }));
    }

    // Chaos: kill a random engine every 300-900 ms and start a fresh one.
    let kills = 0;
    const chaosEnd = Date.now() + chaosMs;
    while (Date.now() < chaosEnd) {
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.floor(random() * 600)));
      const victims = [...live];
      const victim = victims[Math.floor(random() * victims.length)];
      if (victim === undefined) continue;
      victim.signal("SIGKILL");
      await victim.exited;
      live.delete(victim);
      kills += 1;
      live.add(launch());
    }

    const results = await Promise.all(handles.map((handle) => handle.result({ timeoutMs: 120_000 })));
    const expectedSum = (stepsPerRun * (stepsPerRun - 1)) / 2;
    expect(results).toEqual(handles.map(() => expectedSum));

    // Journals: seq 1..n with no gap or duplicate; each step's completion recorded exactly once.
    let events = 0;
    for (const handle of handles) {
      const history = await client.history(handle.runId);
      events += history.length;
      expect(history.map((event) => event.seq)).toEqual(history.map((_, index) => index + 1));
      const completions = history
        .filter((event) => event.kind === "activity_completed")
        .map((event) => ("identity" in event ? event.identity : ""));
      expect(new Set(completions).size).toBe(stepsPerRun);
      expect(completions.length).toBe(stepsPerRun);
      expect(history.at(-1)?.kind).toBe("run_completed");
    }

    const effects = await crash.sql.query<{ n: string }>("SELECT count(*)::text AS n FROM crash_effects");
    const attempts = await crash.sql.query<{ total: string; repeated: string; extra: string }>(`
      SELECT sum(n)::text AS total, count(*) FILTER (WHERE n > 1)::text AS repeated, coalesce(sum(n - 1), 0)::text AS extra
      FROM (SELECT run_key, step, count(*) AS n FROM crash_attempts GROUP BY run_key, step) per_step`);
    const row = attempts.rows[0];
    expect(Number(effects.rows[0]?.n)).toBe(runs * stepsPerRun);

    console.log(
      [
        `crash test (seed ${seed}): ${runs} runs x ${stepsPerRun} steps, ${enginesAtOnce} engines, ${kills} SIGKILLs in ${chaosMs} ms`,
        `  runs completed: ${results.length}/${runs}, history events: ${events}, gaps/duplicates: 0`,
        `  activity attempts: ${row?.total} for ${runs * stepsPerRun} steps; steps attempted more than once: ${row?.repeated} (${row?.extra} extra attempts)`,
        `  net duplicate effects with idempotency key: ${Number(effects.rows[0]?.n) - runs * stepsPerRun}`,
      ].join("\n"),
    );
    expect(kills).toBeGreaterThan(3);
  }, 240_000);
});
