import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "../client/create-client.ts";
import { ManualClock, MemoryJournal } from "../journal/memory/index.ts";
import { defineSchedule } from "../schedules/define-schedule.ts";
import { days, minutes, workflow } from "../workflow/index.ts";
import { createEngine, type Engine } from "./create-engine.ts";
import type { ScheduleFiredEvent } from "./engine-events.ts";

// The engines' own loops (createEngine, real polling) on a journal whose clock the test moves:
// the timer loop fires schedules and makes delayed starts ready; the workflow loop runs them.

const stamp = (versionHash: string) =>
  ({ format: 1, versionHash, cursors: [], file: "test/engine-schedules.workflow.ts", line: 1 }) as const;
const echo = workflow.stamped(stamp("echo"))("echo", { version: 1 }, async (text: string) => `echo ${text}`);
const engines: Engine[] = [];

afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.stop({ graceful: false })));
});

async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe("engine loops: schedules and delayed starts", () => {
  it("two engines with the same schedule: each fire time starts one run, run to completion", async () => {
    const clock = new ManualClock();
    const journal = new MemoryJournal({ clock });
    const everyMinute = defineSchedule("minutely", { every: minutes(1), workflow: echo, input: "tick" });
    const fired: ScheduleFiredEvent[] = [];
    for (const owner of ["engine-a", "engine-b"]) {
      const engine = createEngine({
        journal,
        workflows: [echo],
        schedules: [everyMinute],
        owner,
        pollIntervalMs: 10,
      });
      engine.events.on("schedule.fired", (e) => fired.push(e));
      engines.push(engine);
      engine.start();
    }
    const client = createClient({ journal });
    await until(async () => (await client.schedules.list()).length === 1);
    for (let i = 1; i <= 5; i++) {
      const next = (await client.schedules.describe("minutely")).nextFireAt!;
      clock.advance(next - clock.now());
      await until(async () => {
        const { runs } = await client.list({ workflowName: "echo" });
        return runs.length === i && runs.every((run) => run.status === "completed");
      });
    }
    const { runs } = await client.list({ workflowName: "echo" });
    expect(new Set(runs.map((run) => run.workflowId)).size).toBe(5);
    expect(fired).toHaveLength(5);
    expect((await client.schedules.describe("minutely")).firedCount).toBe(5);
  });

  it("a delayed start runs once the journal clock reaches its start time", async () => {
    const clock = new ManualClock();
    const journal = new MemoryJournal({ clock });
    const engine = createEngine({ journal, workflows: [echo], pollIntervalMs: 10 });
    engines.push(engine);
    engine.start();
    const client = createClient({ journal, engine });
    const run = await client.start(echo, "later", { startDelay: days(1) });
    // Several polls pass: the run stays unstarted.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await client.describe(run.runId)).lastSeq).toBe(1);
    clock.advance(days(1));
    expect(await run.result()).toBe("echo later");
  });
});
