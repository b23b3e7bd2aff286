import { describe, expect, it } from "vitest";
import { ManualClock, MemoryJournal } from "../../packages/core/src/journal/memory/index.ts";
import { createClient } from "../../packages/core/src/client/create-client.ts";
import { sideEffect, workflow } from "../../packages/core/src/workflow/index.ts";
import { testRuntime } from "../../packages/core/src/worker/test-support/drive-runtime.ts";

let calls = 0;
let openGate: () => void = () => {};

const slow = workflow.stamped({
  format: 1,
  versionHash: "review-slow-1",
  cursors: ["sideEffect:#0"],
  file: "tests/regressions/self-fencing.test.ts",
  line: 9,
})("review.slow", { version: 1 }, async () => {
  const n = await sideEffect.at("sideEffect:#0")(async () => {
    calls += 1;
    if (calls === 1) await new Promise<void>((resolve) => (openGate = resolve)); // a step that outlives its lease
    return calls;
  });
  return n;
});

describe("regression: a step that outlives its lease, one engine", () => {
  it("is not fenced out by its own engine's next poll", async () => {
    const clock = new ManualClock();
    const journal = new MemoryJournal({ clock });
    const client = createClient({ journal });
    const { runtime } = testRuntime(journal, { workflows: [slow], leaseMs: 1_000 });
    const lost: string[] = [];
    runtime.events.on("lease.lost", (e) => lost.push(`${e.during}:${e.fencingToken}`));
    const run = await client.start(slow, undefined);

    await runtime.pollRuns(); // step 1 starts; its sideEffect hangs
    await new Promise((r) => setTimeout(r, 10));
    clock.advance(1_500); // the step is still running when its lease expires; no other engine exists
    await runtime.pollRuns(); // the same engine polls again: it re-claims its own busy run (skipped)
    openGate();
    await runtime.settleSteps();

    expect(lost).toEqual([]); // actual: the in-flight step's commit is refused with LeaseLost
    expect(calls).toBe(1);
    expect((await journal.getRun(run.runId))?.lastSeq).toBeGreaterThan(1);
  });
});
