import { describe, expect, it } from "vitest";
import { ManualClock, MemoryJournal } from "../../packages/core/src/journal/memory/index.ts";
import { createClient } from "../../packages/core/src/client/create-client.ts";
import { signal, sleep, workflow } from "../../packages/core/src/workflow/index.ts";
import { testRuntime } from "../../packages/core/src/worker/test-support/drive-runtime.ts";

const stamp = {
  format: 1 as const,
  versionHash: "review-drift-1",
  cursors: ["signal:go#0", "sleep:#0"],
  file: "tests/regressions/drift-starvation.test.ts",
  line: 8,
};
// The code a run was recorded with, and a build with the same hash that no longer matches it.
const recorded = workflow.stamped(stamp)("review.drifty", { version: 1 }, async () => {
  await signal.at("signal:go#0")("go");
  return "ok";
});
const changed = workflow.stamped(stamp)("review.drifty", { version: 1 }, async () => {
  await sleep.at("sleep:#0")(1_000);
  await signal.at("signal:go#0")("go");
  return "ok";
});
const healthy = workflow.stamped({ ...stamp, versionHash: "review-healthy-1", cursors: [] })(
  "review.healthy",
  { version: 1 },
  async () => "fine",
);

describe("regression: drifted runs and the claim order", () => {
  it("a few drifted runs do not stop an engine from stepping every other run", async () => {
    const journal = new MemoryJournal({ clock: new ManualClock() });
    const client = createClient({ journal });
    const old = testRuntime(journal, { workflows: [recorded], owner: "old-engine" });
    const drifted = [await client.start(recorded, undefined), await client.start(recorded, undefined)];
    await old.drive();
    await old.runtime.cache.clear(); // the old deploy stops and gives its leases back
    for (const run of drifted) await client.signal(run.runId, "go", 1); // ready again, oldest first

    const next = testRuntime(journal, {
      workflows: [changed, healthy],
      owner: "new-engine",
      workflowConcurrency: 2,
    }); // with 3 the healthy run completes
    const drifts: string[] = [];
    next.runtime.events.on("replay.drift", (e) => drifts.push(e.runId));
    const fresh = await client.start(healthy, undefined);
    for (let round = 0; round < 10; round++) {
      await next.runtime.pollRuns();
      await next.runtime.settleSteps();
    }
    expect((await journal.getRun(fresh.runId))?.status, `drift events: ${drifts.length}`).toBe("completed");
  });
});
