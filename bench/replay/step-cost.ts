/**
 * Replay engine cost: per-step cost of a sticky execution as its history grows, and the time
 * to rebuild an execution from a long history (cold replay).
 *
 *   node bench/replay/step-cost.ts            (Node 24: type stripping runs the TypeScript)
 *
 * The workflow is a loop of activity calls: each step delivers one activity_completed and the
 * code answers with the next activity_scheduled, so after n steps the history has 2n+1 events.
 */
import { createExecution } from "../../packages/core/src/replay/index.ts";
import type { Execution } from "../../packages/core/src/replay/index.ts";
import type { HistoryEvent, HistoryEventBody } from "../../packages/core/src/model/index.ts";
import { activity, defineActivity, workflow } from "../../packages/core/src/workflow/index.ts";

const tick = defineActivity("bench.tick", async (i: number) => i);

const loop = workflow.stamped({
  format: 1,
  versionHash: "bench",
  cursors: ["activity:tick#0"],
  file: "bench/replay/step-cost.ts",
  line: 1,
})("bench-loop", { version: 1 }, async (limit: number) => {
  let sum = 0;
  for (let i = 0; i < limit; i += 1) sum += await activity.at("activity:tick#0")(tick, i);
  return sum;
});

const checkpoints = [1, 100, 1_000, 10_000];
const window = 1_000;
const rounds = 5;

function started(limit: number): HistoryEvent[] {
  return [
    { kind: "run_started", workflowName: "bench-loop", versionHash: "bench", input: limit, seq: 1, at: 0 },
  ];
}

async function stepOnce(execution: Execution, history: HistoryEvent[] | undefined, i: number): Promise<void> {
  const result = await execution.step({
    now: i,
    deliveries: [{ kind: "activity_completed", identity: `activity:tick#0@${i}`, result: i, attempts: 1 }],
  });
  if (history !== undefined) append(history, result.events, i);
}

function append(history: HistoryEvent[], events: readonly HistoryEventBody[], at: number): void {
  for (const event of events) history.push({ ...event, seq: history.length + 1, at } as HistoryEvent);
}

async function stickyCosts(): Promise<Array<{ prior: number; minUs: number; medianUs: number }>> {
  const execution = await createExecution(loop, {
    runId: "bench",
    workflowId: "bench",
    history: started(1e9),
  });
  await execution.step({ now: 0, deliveries: [] });
  const rows: Array<{ prior: number; minUs: number; medianUs: number }> = [];
  let done = 0;
  for (const prior of checkpoints) {
    while (done < prior) await stepOnce(execution, undefined, done++);
    // Consecutive windows (they add 5,000 steps); the minimum is the least disturbed by other load.
    const samples: number[] = [];
    for (let r = 0; r < rounds; r += 1) {
      const t0 = performance.now();
      for (let k = 0; k < window; k += 1) await stepOnce(execution, undefined, done++);
      samples.push(((performance.now() - t0) * 1_000) / window);
    }
    samples.sort((a, b) => a - b);
    rows.push({ prior, minUs: samples[0] as number, medianUs: samples[2] as number });
  }
  return rows;
}

async function coldReplay(events: number): Promise<{ events: number; ms: number; perEventUs: number }> {
  // Build a real history by running the workflow live until it has `events` events.
  const history = started(1e9);
  const live = await createExecution(loop, { runId: "cold", workflowId: "cold", history: [...history] });
  append(history, (await live.step({ now: 0, deliveries: [] })).events, 0);
  for (let i = 0; history.length < events; i += 1) await stepOnce(live, history, i);
  history.length = events;
  const times: number[] = [];
  for (let r = 0; r < 5; r += 1) {
    const t0 = performance.now();
    await createExecution(loop, { runId: "cold", workflowId: "cold", history });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[2] as number;
  return { events, ms, perEventUs: (ms * 1_000) / events };
}

const sticky = await stickyCosts();
console.log(
  `Sticky execution: cost of one step (1 delivery + 1 new command), over ${rounds} windows of ${window} steps`,
);
console.table(
  sticky.map((r) => ({
    "prior steps": r.prior,
    "history events before": 2 * r.prior + 2,
    "µs per step (min)": r.minUs.toFixed(1),
    "µs per step (median)": r.medianUs.toFixed(1),
  })),
);

const cold = await coldReplay(10_000);
console.log("Cold replay (createExecution from the full history), median of 5");
console.table([
  {
    "history events": cold.events,
    "total ms": cold.ms.toFixed(1),
    "µs per event": cold.perEventUs.toFixed(2),
  },
]);
