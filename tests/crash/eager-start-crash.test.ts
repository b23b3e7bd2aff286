import { fileURLToPath } from "node:url";
import { createClient } from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeProcess } from "../support/child-process.ts";
import { openCrashDatabase, type CrashDatabase } from "./crash-database.ts";
import { crashFlow } from "./crash-workflows.ts";

// Eager start under SIGKILL: a process starts runs leased to its own engine and steps them at
// once; it is killed while doing so. Every run it created must still complete, exactly once per
// step effect, once its leases run out and other engines claim the runs.

const engineScript = fileURLToPath(new URL("./engine-process.ts", import.meta.url));
const runs = 60;
const steps = 5;

describe("eager start with real processes and SIGKILL", () => {
  let crash: CrashDatabase;
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
});
