import { fileURLToPath } from "node:url";
import { createClient } from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeProcess } from "../support/child-process.ts";
import { openCrashDatabase, type CrashDatabase } from "./crash-database.ts";
import { beatFlow, beatStartToCloseMs, beatTimeoutMs } from "./heartbeat-workflows.ts";

// An engine is SIGKILLed in the middle of a heartbeating activity (created claimed by the
// engine's own step: the sticky fast path). Another engine must retry it once its heartbeats
// stop for the heartbeat timeout (2 s), not after start-to-close (120 s, longer than this
// test's timeout), and the retry must resume from the last heartbeat details.

const engineScript = fileURLToPath(new URL("./heartbeat-engine-process.ts", import.meta.url));

describe("heartbeats with real processes and SIGKILL", () => {
  let crash: CrashDatabase;
  beforeAll(async () => {
    crash = await openCrashDatabase("heartbeat_crash");
  });
  afterAll(async () => {
    await crash?.close();
  });

  it("a killed engine's heartbeating attempt is retried after the heartbeat timeout and resumes from its details", async () => {
    const env = { DATABASE_URL: crash.database.url };
    const first = startNodeProcess(engineScript, env);
    crash.engines.push(first);
    await first.waitForLine(/^READY/);
    const client = createClient({ journal: crash.journal });
    const handle = await client.start(beatFlow, { target: 40 }, { id: "beat-1" });
    await first.waitForLine(/^BEAT 15$/);
    first.signal("SIGKILL");
    const killedAt = Date.now();
    await first.exited;
    const reached = Math.max(
      ...first.output.filter((l) => /^BEAT \d+$/.test(l)).map((l) => Number(l.split(" ")[1])),
    );

    const second = startNodeProcess(engineScript, env);
    crash.engines.push(second);
    const result = await handle.result({ timeoutMs: 60_000 });
    const start = (await second.waitForLine(/^BEAT_START /)).split(" ");
    const retryAfterMs = Number(start[3]) - killedAt;

    expect(result).toMatchObject({ attempt: 2, pid: second.pid });
    // Resumed from a heartbeat the killed engine flushed: at most the last unit it printed, and
    // not from scratch (15 units over 1.5 s, flushes every ~670 ms).
    expect(result.resumedFrom).toBeGreaterThan(0);
    expect(result.resumedFrom).toBeLessThanOrEqual(reached);
    expect(Number(start[1])).toBe(2);
    expect(retryAfterMs).toBeLessThan(beatStartToCloseMs);
    const history = await client.history(handle.runId);
    expect(history.filter((e) => e.kind === "activity_completed")).toMatchObject([{ attempts: 2 }]);
    console.log(
      `heartbeat crash: killed at unit ${reached}; attempt 2 on engine ${second.pid} resumed from ${result.resumedFrom}, ` +
        `started ${retryAfterMs} ms after SIGKILL (heartbeat timeout ${beatTimeoutMs} ms, start-to-close ${beatStartToCloseMs} ms)`,
    );
  }, 60_000);
});
