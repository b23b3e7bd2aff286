import { fileURLToPath } from "node:url";
import { createClient, openJournal, type Journal } from "@continuum/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeProcess, type ManagedProcess } from "../support/child-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { closeSagaPool, deployV1, deployV2 } from "./saga-workflows.ts";

// A deploy, with real engine processes on PostgreSQL: engine A has version 1 and runs start on
// it; engine B with only version 2 appears (both live: a rolling deploy); A stops. Runs of
// version 1 then become stuck_unknown_version (not failed, not drifted, nothing written) while
// version 2 runs go on; when an engine with version 1 comes back, they finish on version 1.

const engineScript = fileURLToPath(new URL("./saga-engine-process.ts", import.meta.url));
const runsPerVersion = 4;

describe("deploy simulation: content-addressed dispatch across engine processes", () => {
  let database: TestDatabase;
  let journal: Journal;
  const engines: ManagedProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase("deploy_sim");
    journal = await openJournal({ url: database.url, migrate: true });
  });

  afterAll(async () => {
    for (const engine of engines) engine.signal("SIGKILL");
    await Promise.all(engines.map((engine) => engine.exited));
    await closeSagaPool();
    await journal?.close();
    await database?.drop();
  });

  const launch = async (workflows: string): Promise<ManagedProcess> => {
    const engine = startNodeProcess(engineScript, {
      DATABASE_URL: database.url,
      WORKFLOWS: workflows,
      UNKNOWN_VERSION_AFTER_MS: "600",
      LEASE_MS: "1500",
    });
    engines.push(engine);
    await engine.waitForLine(/^READY/);
    return engine;
  };

  // No deadline: a busy machine may take long, and the runner's timeout catches a hang.
  const waitUntil = async (check: () => Promise<boolean>): Promise<void> => {
    while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 50));
  };

  const waitingForSignal = async (runId: string): Promise<boolean> =>
    (await journal.readHistory(runId)).some((e) => e.kind === "signal_wait_started");

  it("v1 runs become stuck when only v2 engines remain, and finish when a v1 engine returns", async () => {
    const client = createClient({ journal, pollIntervalMs: 100 });
    const a = await launch("deploy-v1");
    const v1Runs = [];
    for (let i = 0; i < runsPerVersion; i += 1) v1Runs.push(await client.start(deployV1, { id: `old${i}` }));
    for (const run of v1Runs) await waitUntil(() => waitingForSignal(run.runId));

    // Rolling deploy: B (v2 only) joins while A still runs; new runs start on v2.
    const b = await launch("deploy-v2");
    const v2Runs = [];
    for (let i = 0; i < runsPerVersion; i += 1) v2Runs.push(await client.start(deployV2, { id: `new${i}` }));
    for (const run of v2Runs) await waitUntil(() => waitingForSignal(run.runId));
    // Several sweeps of A went by: it knows the name, not v2's hash, but B took those runs in time.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(a.output.filter((line) => line.startsWith("STUCK"))).toEqual([]);

    // A stops. The v1 runs get their signal: they have work, and no live engine has their code.
    a.signal("SIGTERM");
    expect((await a.exited).code).toBe(0);
    const before = new Map<string, number>();
    for (const run of v1Runs) before.set(run.runId, (await journal.readHistory(run.runId)).length);
    for (const run of [...v1Runs, ...v2Runs]) await client.signal(run.runId, "go", "now");

    for (const run of v1Runs)
      await waitUntil(async () => (await client.describe(run.runId)).status === "stuck_unknown_version");
    const v2Results = await Promise.all(v2Runs.map((run) => run.result({ timeoutMs: 20_000 })));
    expect(v2Results).toEqual(v2Runs.map((_, i) => `v2:new${i}:a+v2:new${i}:extra+v2:new${i}:b`));

    // Stuck is visible in list and describe, telemetry named each run; nothing was replayed on
    // v2's code: no drift, no failure, the journals are as A left them (plus nothing).
    const stuck = await client.list({ status: "stuck_unknown_version" });
    expect(stuck.runs.map((run) => run.runId).sort()).toEqual(v1Runs.map((run) => run.runId).sort());
    for (const run of v1Runs) {
      expect(b.output).toContain(`STUCK ${run.runId} deployflow000001`);
      expect((await journal.readHistory(run.runId)).length).toBe(before.get(run.runId));
    }
    expect(b.output.filter((line) => line.startsWith("DRIFT") || line.startsWith("FAILED"))).toEqual([]);

    // An engine with version 1 comes back (next to B): it takes the stuck runs and finishes them on v1.
    const c = await launch("deploy-v1");
    const v1Results = await Promise.all(v1Runs.map((run) => run.result({ timeoutMs: 20_000 })));
    expect(v1Results).toEqual(v1Runs.map((_, i) => `v1:old${i}:a+v1:old${i}:b`));
    for (const run of v1Runs) expect((await client.describe(run.runId)).status).toBe("completed");
    expect(c.output.filter((line) => line.startsWith("DRIFT") || line.startsWith("FAILED"))).toEqual([]);
  }, 120_000);
});
