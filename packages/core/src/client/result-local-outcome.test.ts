import { describe, expect, it } from "vitest";
import { MemoryJournal } from "../journal/memory/index.ts";
import type { Journal } from "../journal/journal.ts";
import { WorkflowFailedError } from "../errors/engine-errors.ts";
import { activity, defineActivity, workflow } from "../workflow/index.ts";
import { createEngine } from "../worker/create-engine.ts";
import { createClient } from "./create-client.ts";

const double = defineActivity("double", async (n: number) => n * 2);
const stampOf = (name: string, cursors: string[]) =>
  ({ format: 1, versionHash: `${name}-v1`, cursors, file: `test/${name}.workflow.ts`, line: 1 }) as const;
const twoSteps = workflow.stamped(stampOf("two-steps", ["activity:double#0"]))(
  "two-steps",
  { version: 1 },
  async (n: number) => (await activity.at("activity:double#0")(double, n)) + 1,
);
const fails = workflow.stamped(stampOf("fails", []))("fails", { version: 1 }, async (reason: string) => {
  throw new Error(reason);
});

/** The journal with every getRun recorded (a spy on the real journal, not a stand-in). */
function countingReads(journal: MemoryJournal): { journal: Journal; reads: string[] } {
  const reads: string[] = [];
  const counted = new Proxy(journal, {
    get(target, key) {
      if (key === "getRun")
        return (runId: string) => {
          reads.push(runId);
          return target.getRun(runId);
        };
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { journal: counted, reads };
}

describe("run.result() on a client bound to the engine that runs the run", () => {
  it("settles from the engine's committed outcome without reading the run (value and failure)", async () => {
    const memory = new MemoryJournal();
    const { journal, reads } = countingReads(memory);
    const engine = createEngine({
      journal,
      workflows: [twoSteps, fails],
      activities: [double],
      pollIntervalMs: 20,
    });
    engine.start();
    try {
      const client = createClient({ journal, engine });
      const run = await client.start(twoSteps, 20);
      expect(await run.result()).toBe(41);
      const failing = await client.start(fails, "no stock");
      const error = await failing.result().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((error as WorkflowFailedError).message).toContain("no stock");
      expect(reads.filter((id) => id === run.runId || id === failing.runId)).toEqual([]);
      // What the journal holds is what result() reported.
      expect((await memory.getRun(run.runId))?.status).toBe("completed");
      expect((await memory.getRun(failing.runId))?.status).toBe("failed");
    } finally {
      await engine.stop();
    }
  });

  it("reads the journal for a run the engine does not hold, as any client does", async () => {
    const memory = new MemoryJournal();
    const { journal, reads } = countingReads(memory);
    const engine = createEngine({ journal, workflows: [twoSteps], activities: [double], pollIntervalMs: 20 });
    engine.start();
    try {
      // Started by a client without the engine: the engine claims it from the journal later.
      const run = await createClient({ journal }).start(twoSteps, 1);
      const bound = createClient({ journal, engine, pollIntervalMs: 20 });
      expect(await bound.result(run.runId)).toBe(3);
      expect(reads.filter((id) => id === run.runId).length).toBeGreaterThan(0);
      // A run already finished: the bound client reads it (nothing local is kept once its step let go).
      expect(await bound.result(run.runId)).toBe(3);
    } finally {
      await engine.stop();
    }
  });
});
