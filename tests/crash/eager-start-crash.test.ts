import { fileURLToPath } from "node:url";
import { createClient } from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeProcess } from "../support/child-process.ts";
import { openCrashDatabase, type CrashDatabase } from "./crash-database.ts";
import { crashFlow, crashFlowPlain } from "./crash-workflows.ts";

// Eager start under SIGKILL: a process starts runs leased to its own engine and steps them at
// once; it is killed while doing so. Every run it created must still complete, exactly once per
// step effect, once its leases run out and other engines claim the runs.

const engineScript = fileURLToPath(new URL("./engine-process.ts", import.meta.url));
const runs = 60;
const steps = 5;

describe("eager start with real processes and SIGKILL", () => {
  let crash: CrashDatabase;

  /** SIGKILLs `starter` once it printed `line`; the run ids it acknowledged until then. */
  async function killedAfter(starter: ReturnType<typeof startNodeProcess>, line: RegExp): Promise<string[]> {
    await starter.waitForLine(line);
    starter.signal("SIGKILL");
    await starter.exited;
    return starter.output.filter((out) => out.startsWith("STARTED ")).map((out) => out.split(" ")[2] ?? "");
  }

  /**
   * Two more engines start; every run of `ids` must complete once, with a gap-free history of
   * `steps` activity results, and the effects table must hold each step's effect exactly once.
   */
  async function completedByOthers(env: Record<string, string>, ids: readonly string[]): Promise<void> {
    for (let i = 0; i < 2; i += 1) crash.engines.push(startNodeProcess(engineScript, env));
    await Promise.all(crash.engines.slice(-2).map((engine) => engine.waitForLine(/^READY/)));
    const client = createClient({ journal: crash.journal });
    // No deadline of our own: the runner's timeout reports a run that never completes.
    const results = await Promise.all(ids.map((runId) => client.result(runId)));
    expect(results).toEqual(ids.map(() => (steps * (steps - 1)) / 2));
    for (const runId of ids) {
      const history = await client.history(runId);
      expect(history.map((event) => event.seq)).toEqual(history.map((_, index) => index + 1));
      expect(history.filter((event) => event.kind === "activity_completed")).toHaveLength(steps);
    }
    const effects = await crash.sql.query<{ n: string }>("SELECT count(*)::text AS n FROM crash_effects");
    expect(Number(effects.rows[0]?.n)).toBe(ids.length * steps);
  }

  beforeAll(async () => {
    crash = await openCrashDatabase("eager_crash");
  });
  afterAll(async () => {
    await crash?.close();
  });

  it("runs started eagerly by a process killed mid-way are completed by the other engines", async () => {
    const env = { DATABASE_URL: crash.database.url, LEASE_MS: "1500" };
    const starter = startNodeProcess(engineScript, { ...env, START_RUNS: String(runs), START_EVERY_MS: "5" });
    crash.engines.push(starter);
    await starter.waitForLine(/^STARTED 29 /);
    starter.signal("SIGKILL");
    await starter.exited;
    const startedByStarter = starter.output.filter((line) => line.startsWith("STARTED ")).length;
    const owned = await crash.sql.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM continuum.runs WHERE status = 'running' AND lease_owner = $1",
      [`engine-${starter.pid}`],
    );

    for (let i = 0; i < 2; i += 1) crash.engines.push(startNodeProcess(engineScript, env));
    await Promise.all(crash.engines.slice(1).map((engine) => engine.waitForLine(/^READY/)));
    // Runs the starter did not get to are started here (same ids; "reject" finds a run the
    // starter created even when it already completed, where the default would start it again).
    const client = createClient({ journal: crash.journal });
    const handles = [];
    for (let i = 0; i < runs; i += 1)
      handles.push(
        await client.start(
          crashFlow,
          { key: `eager${i}`, steps },
          { id: `eager-${i}`, idReusePolicy: "reject" },
        ),
      );
    expect(handles.slice(0, startedByStarter).every((handle) => !handle.created)).toBe(true);

    const results = await Promise.all(handles.map((handle) => handle.result({ timeoutMs: 60_000 })));
    expect(results).toEqual(handles.map(() => (steps * (steps - 1)) / 2));
    for (const handle of handles) {
      const history = await client.history(handle.runId);
      expect(history.map((event) => event.seq)).toEqual(history.map((_, index) => index + 1));
      expect(history.filter((event) => event.kind === "activity_completed")).toHaveLength(steps);
    }
    const effects = await crash.sql.query<{ n: string }>("SELECT count(*)::text AS n FROM crash_effects");
    expect(Number(effects.rows[0]?.n)).toBe(runs * steps);
    console.log(
      `eager start crash: starter ${starter.pid} started ${startedByStarter} runs, held ${owned.rows[0]?.n} unfinished at SIGKILL; ` +
        `all ${runs} completed by the other engines, ${runs * steps} effects exactly once`,
    );
    expect(Number(owned.rows[0]?.n)).toBeGreaterThan(0);
  }, 120_000);

  it("fresh runs inserted with their first step by a process killed mid-way: each exists with its step or not at all, and completes once", async () => {
    await crash.sql.query("TRUNCATE crash_effects, crash_attempts");
    const env = { DATABASE_URL: crash.database.url, LEASE_MS: "1500" };
    const starter = startNodeProcess(engineScript, {
      ...env,
      START_RUNS: String(runs),
      START_EVERY_MS: "5",
      START_FRESH: "1",
    });
    crash.engines.push(starter);
    const acknowledged = await killedAfter(starter, /^STARTED 29 /);
    // What the journal holds at the kill: every run the starter created, acknowledged or not.
    const atKill = await crash.sql.query<{ run_id: string; last_seq: string; lease_owner: string | null }>(
      "SELECT run_id, last_seq::text, lease_owner FROM continuum.runs WHERE workflow_name = $1",
      [crashFlowPlain.name],
    );
    const ids = atKill.rows.map((row) => row.run_id);
    expect(ids).toEqual(expect.arrayContaining(acknowledged));
    // At most one run beyond the acknowledged ones (inserted, killed before it printed).
    expect(ids.length - acknowledged.length).toBeLessThanOrEqual(1);
    // Only the engine's very first start (before it had read the journal's clock) was inserted
    // without its step; every other run came in with at least its first activity scheduled.
    expect(atKill.rows.filter((row) => Number(row.last_seq) < 2).length).toBeLessThanOrEqual(1);
    const heldAtKill = atKill.rows.filter((row) => row.lease_owner === `engine-${starter.pid}`).length;

    await completedByOthers(env, ids);
    console.log(
      `fresh eager start crash: starter ${starter.pid} acknowledged ${acknowledged.length} runs, ${ids.length} in the journal ` +
        `(${heldAtKill} still leased to it at SIGKILL); all completed by the other engines, ${ids.length * steps} effects exactly once`,
    );
    expect(heldAtKill).toBeGreaterThan(0);
  }, 120_000);

  it("steps and starts of many runs written together (group commit) by a process killed mid-way: each run has whole steps and completes once", async () => {
    // The engines of the cases above are done: stopped, so that their connections (a pool and a
    // LISTEN each) leave room on the server for this case's three.
    for (const engine of crash.engines) engine.signal("SIGKILL");
    await Promise.all(crash.engines.map((engine) => engine.exited));
    crash.engines.length = 0;
    await crash.sql.query("TRUNCATE crash_effects, crash_attempts");
    const before = await crash.sql.query<{ run_id: string }>(
      "SELECT run_id FROM continuum.runs WHERE workflow_name = $1",
      [crashFlowPlain.name],
    );
    const earlier = before.rows.map((row) => row.run_id);
    // 40 fresh starts at a time into an engine with 100 slots: starts and steps of many runs
    // reach the journal together, so they are written a batch per statement.
    const parallel = 40;
    const env = { DATABASE_URL: crash.database.url, LEASE_MS: "1500", SLOTS: "100" };
    const starter = startNodeProcess(engineScript, {
      ...env,
      START_RUNS: "400",
      START_PARALLEL: String(parallel),
      START_EVERY_MS: "5",
      START_FRESH: "1",
    });
    crash.engines.push(starter);
    const acknowledged = await killedAfter(starter, /^STARTED 1[0-9]{2} /);
    const atKill = await crash.sql.query<{ run_id: string; last_seq: string; lease_owner: string | null }>(
      "SELECT run_id, last_seq::text, lease_owner FROM continuum.runs WHERE workflow_name = $1 AND NOT (run_id = ANY($2))",
      [crashFlowPlain.name, earlier],
    );
    const ids = atKill.rows.map((row) => row.run_id);
    expect(ids).toEqual(expect.arrayContaining(acknowledged));
    // At most the wave in flight at the kill beyond the acknowledged runs.
    expect(ids.length - acknowledged.length).toBeLessThanOrEqual(parallel);
    expect(atKill.rows.filter((row) => Number(row.last_seq) < 2).length).toBeLessThanOrEqual(1);
    const heldAtKill = atKill.rows.filter((row) => row.lease_owner === `engine-${starter.pid}`).length;

    await completedByOthers(env, ids);
    console.log(
      `group commit crash: starter ${starter.pid} acknowledged ${acknowledged.length} runs, ${ids.length} in the journal ` +
        `(${heldAtKill} still leased to it at SIGKILL); all completed by the other engines, ${ids.length * steps} effects exactly once`,
    );
    expect(heldAtKill).toBeGreaterThan(0);
  }, 180_000);
});
