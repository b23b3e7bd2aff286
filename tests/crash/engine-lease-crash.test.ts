import { fileURLToPath } from "node:url";
import { createClient } from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeProcess } from "../support/child-process.ts";
import { openCrashDatabase, type CrashDatabase } from "./crash-database.ts";
import { beatStartToCloseMs, silentFlow } from "./heartbeat-workflows.ts";

// Issue 11: an engine is SIGKILLed in the middle of an activity that has no heartbeat timeout
// and never heartbeats (started by the engine's own step: the sticky fast path). It runs
// in-process, without a task row, for a third of the lease (0.5 s), then gets its row; from
// then on it lives on the engine's attempt lease (leaseMs 1.5 s, renewed by the engine's
// heartbeat flushes), so another engine retries it about 1.5 s after the kill, not after
// start-to-close (120 s, longer than this test's timeout). The second case kills the engine
// while the attempt is still in-process: the run's lease ends, the timer wheel wakes the run,
// and the engine that claims it re-issues the call (issue 18).

const engineScript = fileURLToPath(new URL("./heartbeat-engine-process.ts", import.meta.url));
const leaseMs = 1_500;

describe("the engine's attempt lease with real processes and SIGKILL", () => {
  let crash: CrashDatabase;
  beforeAll(async () => {
    crash = await openCrashDatabase("engine_lease_crash");
  });
  afterAll(async () => {
    await crash?.close();
  });

  it("a killed engine's silent attempt is retried after the engine lease, not start-to-close", async () => {
    const env = { DATABASE_URL: crash.database.url };
    const first = startNodeProcess(engineScript, env);
    crash.engines.push(first);
    await first.waitForLine(/^READY/);
    const client = createClient({ journal: crash.journal });
    // Killed after 3 s (twice the lease): the lease was renewed several times before the kill.
    const handle = await client.start(silentFlow, { units: 60 }, { id: "silent-1" });
    // The engine that takes over is up before the kill: the figure is the lease, not a boot.
    const second = startNodeProcess(engineScript, env);
    crash.engines.push(second);
    await second.waitForLine(/^READY/);
    await first.waitForLine(/^SILENT 30$/);
    first.signal("SIGKILL");
    const killedAt = Date.now();
    await first.exited;

    const result = await handle.result({ timeoutMs: 60_000 });
    const start = (await second.waitForLine(/^SILENT_START 2 /)).split(" ");
    const retryAfterMs = Number(start[2]) - killedAt;

    expect(result).toMatchObject({ attempt: 2, pid: second.pid });
    expect(Number(start[1])).toBe(2);
    // The first attempt ran 3 s, twice its lease: renewals kept it alive while its engine lived.
    expect(first.output.filter((l) => l.startsWith("SILENT_START"))).toHaveLength(1);
    expect(retryAfterMs).toBeLessThan(beatStartToCloseMs);
    const history = await client.history(handle.runId);
    expect(history.filter((e) => e.kind === "activity_completed")).toMatchObject([{ attempts: 2 }]);
    console.log(
      `engine lease crash: attempt 2 on engine ${second.pid} started ${retryAfterMs} ms after SIGKILL ` +
        `(engine lease ${leaseMs} ms, no heartbeat timeout, start-to-close ${beatStartToCloseMs} ms)`,
    );
  }, 60_000);

  it("a killed engine's in-process attempt (no task row yet) is re-issued once the run's lease is over", async () => {
    // A lease of 6 s: the attempt would get its own row after a third of it (2 s); it is killed
    // at 0.5 s, while it runs in-process and only its activity_scheduled event records it.
    const inProcessLeaseMs = 6_000;
    // The first case's engines would take this run too: only this case's engines run.
    for (const engine of crash.engines.splice(0)) {
      engine.signal("SIGKILL");
      await engine.exited;
    }
    const env = { DATABASE_URL: crash.database.url, LEASE_MS: String(inProcessLeaseMs) };
    const first = startNodeProcess(engineScript, env);
    crash.engines.push(first);
    await first.waitForLine(/^READY/);
    const client = createClient({ journal: crash.journal });
    const handle = await client.start(silentFlow, { units: 20 }, { id: "silent-in-process" });
    const second = startNodeProcess(engineScript, env);
    crash.engines.push(second);
    await second.waitForLine(/^READY/);
    await first.waitForLine(/^SILENT 5$/);
    const before = await crash.journal.inspector!.listTasks(handle.runId);
    first.signal("SIGKILL");
    const killedAt = Date.now();
    await first.exited;
    expect(before.map((t) => [t.status, t.fromHistory])).toEqual([["running", true]]);

    const result = await handle.result({ timeoutMs: 60_000 });
    const start = (await second.waitForLine(/^SILENT_START 2 /)).split(" ");
    const retryAfterMs = Number(start[2]) - killedAt;
    expect(result).toMatchObject({ attempt: 2, pid: second.pid });
    expect(retryAfterMs).toBeLessThan(beatStartToCloseMs);
    const history = await client.history(handle.runId);
    expect(history.filter((e) => e.kind === "activity_scheduled")).toHaveLength(1);
    expect(history.filter((e) => e.kind === "activity_completed")).toMatchObject([{ attempts: 2 }]);
    const after = await crash.journal.inspector!.listTasks(handle.runId);
    expect(after.map((t) => [t.status, t.attempt, t.fromHistory])).toEqual([["completed", 2, undefined]]);
    console.log(
      `in-process crash: attempt 2 on engine ${second.pid} started ${retryAfterMs} ms after SIGKILL ` +
        `(run lease ${inProcessLeaseMs} ms, re-issued from the run's list; start-to-close ${beatStartToCloseMs} ms)`,
    );
  }, 60_000);
});
