import { describe, expect, it } from "vitest";
import { ManualClock, MemoryJournal } from "../../packages/core/src/journal/memory/index.ts";
import { createClient } from "../../packages/core/src/client/create-client.ts";
import { createEngine } from "../../packages/core/src/worker/create-engine.ts";
import { signal, sleep, workflow } from "../../packages/core/src/workflow/index.ts";
import { instrumented, testRuntime } from "../../packages/core/src/worker/test-support/drive-runtime.ts";

const stamp = {
  format: 1 as const,
  versionHash: "review-loop-1",
  cursors: ["signal:go#0", "sleep:#0"],
  file: "tests/regressions/drift-hot-loop.test.ts",
  line: 8,
};
const recorded = workflow.stamped(stamp)("review.loop", { version: 1 }, async () => {
  await signal.at("signal:go#0")("go");
  return "ok";
});
const changed = workflow.stamped(stamp)("review.loop", { version: 1 }, async () => {
  await sleep.at("sleep:#0")(1_000);
  await signal.at("signal:go#0")("go");
  return "ok";
});

describe("regression: one drifted run, an idle engine", () => {
  it("polls at its poll interval, not in a claim/release loop", async () => {
    const memory = new MemoryJournal({ clock: new ManualClock() });
    const client = createClient({ journal: memory });
    const old = testRuntime(memory, { workflows: [recorded], owner: "old-engine" });
    const run = await client.start(recorded, undefined);
    await old.drive();
    await old.runtime.cache.clear();
    await client.signal(run.runId, "go", 1);

    const { journal, calls } = instrumented(memory);
    const engine = createEngine({
      journal,
      workflows: [changed],
      pollIntervalMs: 1_000,
      driftBackoffMs: 60_000,
    });
    engine.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await engine.stop();
    // 300 ms at a 1 s poll interval: a handful of claims at most.
    expect(calls("claimRuns")).toBeLessThan(10);
  });
});
