import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import type { RunClaim } from "../journal/journal.ts";
import { MemoryJournal } from "../journal/memory/index.ts";
import { activity, defineActivity, workflow } from "../workflow/index.ts";
import { createEngine, type Engine } from "./create-engine.ts";
import { instrumented } from "./test-support/drive-runtime.ts";

const file = "packages/core/src/worker/eager-start.test.ts";
const stamp = (versionHash: string, line: number) =>
  ({ format: 1, versionHash, cursors: [], file, line }) as const;

const shout = defineActivity("eager.shout", async (text: string) => text.toUpperCase());
const twoSteps = workflow.stamped(stamp("eager-two", 13))(
  "eager.two",
  { version: 1 },
  async (text: string) => {
    const a = await activity.at("activity:shout#0")(shout, `${text}-a`);
    const b = await activity.at("activity:shout#1")(shout, `${text}-b`);
    return `${a}/${b}`;
  },
);
const other = workflow.stamped(stamp("eager-other", 18))("eager.other", { version: 1 }, async () => "other");

const engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.stop({ graceful: true, timeoutMs: 2_000 })));
});

/** The memory journal, counting calls and remembering which runs claimRuns handed out. */
function watched() {
  const memory = new MemoryJournal();
  const claimed = new Set<string>();
  const original = memory.claimRuns.bind(memory);
  memory.claimRuns = async (request) => {
    const claims: RunClaim[] = await original(request);
    for (const claim of claims) claimed.add(claim.run.runId);
    return claims;
  };
  const { journal, calls } = instrumented(memory);
  return { journal, calls, claimed };
}

describe("eager start (a client bound to an engine of its process)", () => {
  it("the engine steps the run it started at once: no claim, no history read", async () => {
    const { journal, calls, claimed } = watched();
    const engine = createEngine({ journal, workflows: [twoSteps], activities: [shout], pollIntervalMs: 50 });
    engines.push(engine);
    const acquired: string[] = [];
    engine.events.on("lease.acquired", (e) => acquired.push(e.runId));
    engine.start();
    const client = createClient({ journal, engine, pollIntervalMs: 20 });
    const run = await client.start(twoSteps, "hi");
    expect(await run.result({ timeoutMs: 5_000 })).toBe("HI-A/HI-B");
    expect(acquired).toEqual([run.runId]);
    expect(claimed.has(run.runId)).toBe(false);
    expect(calls("readHistory")).toBe(0);
    expect((await journal.readHistory(run.runId)).map((e) => e.kind)).toEqual([
      "run_started",
      "activity_scheduled",
      "activity_completed",
      "activity_scheduled",
      "activity_completed",
      "run_completed",
    ]);
  });

  it("a run the engine cannot take starts as usual and is claimed: engine stopped, or workflow not registered there", async () => {
    const { journal, claimed } = watched();
    const engine = createEngine({ journal, workflows: [twoSteps], activities: [shout], pollIntervalMs: 50 });
    engines.push(engine);
    const client = createClient({ journal, engine, pollIntervalMs: 20 });
    const before = await client.start(twoSteps, "early");
    expect((await journal.getRun(before.runId))?.leaseOwner).toBeUndefined();
    const elsewhere = await client.start(other, undefined);
    engine.start();
    expect(await before.result({ timeoutMs: 5_000 })).toBe("EARLY-A/EARLY-B");
    expect(claimed.has(before.runId)).toBe(true);
    const helper = createEngine({ journal, workflows: [other], pollIntervalMs: 50 });
    engines.push(helper);
    helper.start();
    expect(await client.result(elsewhere.runId, { timeoutMs: 5_000 })).toBe("other");
  });

  it("a start with a taken id returns the existing run, which completes once", async () => {
    const { journal } = watched();
    const engine = createEngine({ journal, workflows: [twoSteps], activities: [shout], pollIntervalMs: 50 });
    engines.push(engine);
    engine.start();
    const client = createClient({ journal, engine, pollIntervalMs: 20 });
    const first = await client.start(twoSteps, "x", { id: "same" });
    const again = await client.start(twoSteps, "ignored", { id: "same" });
    expect(again).toMatchObject({ runId: first.runId, created: false });
    expect(await again.result({ timeoutMs: 5_000 })).toBe("X-A/X-B");
  });
});
