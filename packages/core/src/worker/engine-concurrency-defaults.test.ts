import { expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import { MemoryJournal } from "../journal/memory/index.ts";
import { activity, defineActivity, workflow } from "../workflow/index.ts";
import { createEngine } from "./create-engine.ts";

let started = 0;
let open: () => void = () => {};
const gate = new Promise<void>((resolve) => (open = resolve));
const held = defineActivity("held", async (n: number) => {
  started += 1;
  await gate;
  return n;
});
const oneCall = workflow.stamped({
  format: 1,
  versionHash: "one-call-v1",
  cursors: ["activity:held#0"],
  file: "test/one-call.workflow.ts",
  line: 1,
})("one-call", { version: 1 }, async (n: number) => activity.at("activity:held#0")(held, n));

it("runs 60 runs' activity attempts at once with the default concurrency (100 steps, 100 attempts)", async () => {
  const journal = new MemoryJournal();
  const engine = createEngine({ journal, workflows: [oneCall], activities: [held], pollIntervalMs: 20 });
  engine.start();
  try {
    const client = createClient({ journal, engine });
    const runs = await Promise.all(Array.from({ length: 60 }, (_, i) => client.start(oneCall, i)));
    // All 60 attempts are in flight together (the old default of 32 attempts held 28 back).
    while (started < 60) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(started).toBe(60);
    open();
    expect(await Promise.all(runs.map((run) => run.result()))).toEqual(
      Array.from({ length: 60 }, (_, i) => i),
    );
  } finally {
    open();
    await engine.stop();
  }
});
