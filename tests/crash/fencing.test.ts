import { fileURLToPath } from "node:url";
import { createClient, openJournal, type Journal } from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeProcess, type ManagedProcess } from "../support/child-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { fenceFlow } from "./crash-workflows.ts";

// Two engines race for one run. Engine A is frozen with SIGSTOP in the middle of a step, past
// its lease; engine B takes the run over (fencing token bumped) and finishes it. A is then
// resumed: every write it tries must be refused, and the journal must hold B's history only.

const engineScript = fileURLToPath(new URL("./engine-process.ts", import.meta.url));

describe("fencing with a paused engine (SIGSTOP past the lease)", () => {
  let database: TestDatabase;
  let journal: Journal;
  const engines: ManagedProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase("fencing");
    journal = await openJournal({ url: database.url, migrate: true });
  });

  afterAll(async () => {
    for (const engine of engines) {
      engine.signal("SIGCONT");
      engine.signal("SIGKILL");
    }
    await Promise.all(engines.map((engine) => engine.exited));
    await journal?.close();
    await database?.drop();
  });

  it("refuses every write of the resumed engine and keeps the history gap-free", async () => {
    const env = { DATABASE_URL: database.url, LEASE_MS: "1000" };
    const engineA = startNodeProcess(engineScript, env);
    engines.push(engineA);
    await engineA.waitForLine(/^READY/);

    const client = createClient({ journal });
    const handle = await client.start(fenceFlow, undefined, { id: "fenced-run" });
    await engineA.waitForLine(new RegExp(`^IN_STEP ${engineA.pid}$`));
    engineA.signal("SIGSTOP");
    const frozenToken = (await journal.getRun(handle.runId))?.fencingToken;

    const engineB = startNodeProcess(engineScript, env);
    engines.push(engineB);
    await engineB.waitForLine(new RegExp(`^IN_STEP ${engineB.pid}$`));
    const result = await handle.result({ timeoutMs: 30_000 });
    expect(result).toEqual({ pid: engineB.pid, doubled: engineB.pid * 2 });

    const before = await client.history(handle.runId);
    const runBefore = await journal.getRun(handle.runId);
    expect(runBefore?.fencingToken).toBeGreaterThan(frozenToken ?? Number.POSITIVE_INFINITY);

    engineA.signal("SIGCONT");
    const lost = await engineA.waitForLine(/^LEASE_LOST /);
    expect(lost).toContain(handle.runId);
    // Give A time to try anything else it had queued.
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const after = await client.history(handle.runId);
    expect(after).toEqual(before);
    expect(after.map((event) => event.seq)).toEqual(after.map((_, index) => index + 1));
    const recorded = after.filter((event) => event.kind === "value_recorded");
    expect(recorded).toHaveLength(1);
    expect((await journal.getRun(handle.runId))?.status).toBe("completed");
    console.log(
      `fencing: A (pid ${engineA.pid}) frozen at token ${frozenToken}; B (pid ${engineB.pid}) finished at token ${runBefore?.fencingToken}; A's resumed write refused: ${lost}`,
    );
  }, 90_000);
});
