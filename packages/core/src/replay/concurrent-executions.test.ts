import { describe, expect, it } from "vitest";
import type { ResolutionEvent } from "../model/index.ts";
import { activity, defineActivity, now, sideEffect, signal, workflow } from "../workflow/index.ts";
import { EngineSimulator, resolve, testStamp } from "./test-support/engine-simulator.ts";

const work = defineActivity("work", async (label: string, i: number) => `${label}${i}`);
const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A workflow whose every effect names its own workflow, so a misrouted effect would show. */
function looping(label: string, rounds: number) {
  return workflow.stamped(testStamp([`activity:${label}#0`]))(label, { version: 1 }, async () => {
    const seen: string[] = [];
    for (let i = 0; i < rounds; i += 1) {
      // Several awaits deep, so continuations of both runs are queued as microtasks together.
      const [result, extra] = await Promise.all([
        activity.at(`activity:${label}#0`)(work, label, i),
        (async () => {
          await null;
          await Promise.resolve();
          return sideEffect.at(`sideEffect:#${label.length}`)(async () => {
            await pause(Math.random() * 3);
            return `${label}-side-${i}`;
          });
        })(),
      ]);
      seen.push(`${result}/${extra}@${now.at(`now:#${label.length}`)().getTime() > 0 ? "t" : "?"}`);
    }
    const done = await signal.at(`signal:${label}-done#0`)<string>(`${label}-done`);
    return { label, seen, done };
  });
}

async function drive(sim: EngineSimulator, label: string, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i += 1) {
    const identity = `activity:${label}#0@${i}`;
    expect([...sim.open.activities.keys()]).toEqual([identity]);
    await sim.step([resolve.completed(identity, `${label}${i}`)]);
  }
  const deliveries: ResolutionEvent[] = [resolve.signal(`${label}-done`, `${label} finished`)];
  await sim.step(deliveries);
}

describe("executions in one process", () => {
  it("stepping many runs concurrently routes every effect to its own run", async () => {
    const labels = ["alpha", "beta", "gamma", "delta"];
    const rounds = 12;
    const sims = await Promise.all(
      labels.map((label) =>
        EngineSimulator.start(looping(label, rounds), undefined, { runId: `run-${label}` }),
      ),
    );
    await Promise.all(sims.map((sim, i) => drive(sim, labels[i] as string, rounds)));
    for (const [i, sim] of sims.entries()) {
      const label = labels[i] as string;
      expect(sim.outcome?.kind).toBe("complete_run");
      const result = sim.outcome?.kind === "complete_run" ? sim.outcome.result : undefined;
      expect(result).toEqual({
        label,
        seen: Array.from({ length: rounds }, (_, r) => `${label}${r}/${label}-side-${r}@t`),
        done: `${label} finished`,
      });
      for (const event of sim.history) {
        if ("identity" in event && event.kind !== "value_recorded") expect(event.identity).toContain(label);
      }
    }
    // Replaying all of them at once, from scratch, also interleaves and still matches.
    const replays = await Promise.all(sims.map((sim) => sim.replay()));
    expect(replays.every((r) => r.finished)).toBe(true);
  });
});
