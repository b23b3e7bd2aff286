import {
  createClient,
  createEngine,
  defineQueue,
  openJournal,
  type Engine,
  type Journal,
} from "@continuum/core";
import type { ScenarioRunner } from "../case.ts";
import { createCompletions, withDeadline } from "../support/closed-loop.ts";
import { createDatabase } from "../support/database.ts";
import { benchActivities, benchWorkflows, threeStep } from "./continuum-workflows.ts";

/**
 * The queue scenario (issue 16): N three-step workflows started at once, run by `engines`
 * engines (each with its own journal: its own pool and LISTEN connection, as separate processes
 * would have, here in one process), once through a queue with global concurrency `limit` and once
 * without a queue, each on a fresh database. Timed from the first start to the last completion.
 * `maxExecuting` is the most queued runs between dequeue (`queue.dequeued`) and end
 * (`run.completed`) at once, as the engines reported them.
 */
export const queueScenario: ScenarioRunner = async (p) => {
  const n = p.n as number;
  const engines = p.engines as number;
  const limit = p.limit as number;
  const queued = await timeRuns(n, engines, limit);
  const plain = await timeRuns(n, engines, undefined);
  return {
    queuedWfPerSec: (n * 1000) / queued.ms,
    plainWfPerSec: (n * 1000) / plain.ms,
    throughputRatio: plain.ms / queued.ms,
    maxExecuting: queued.maxExecuting,
    queuedMs: queued.ms,
    plainMs: plain.ms,
  };
};

async function timeRuns(
  n: number,
  engineCount: number,
  limit: number | undefined,
): Promise<{ ms: number; maxExecuting: number }> {
  const db = await createDatabase("continuum", limit === undefined ? "queue_plain" : "queue_limited");
  const journals: Journal[] = [];
  const engines: Engine[] = [];
  try {
    const queue = defineQueue("bench.queue", limit === undefined ? {} : { concurrency: limit });
    const completions = createCompletions();
    const executing = new Set<string>();
    let maxExecuting = 0;
    for (let i = 0; i < engineCount; i += 1) {
      const journal = await openJournal({ url: db.url, migrate: i === 0 });
      journals.push(journal);
      const engine = createEngine({
        journal,
        workflows: benchWorkflows,
        activities: benchActivities,
        ...(limit === undefined ? {} : { queues: [queue] }),
      });
      engine.events.on("queue.dequeued", (e) => {
        for (const runId of e.runIds) executing.add(runId);
        maxExecuting = Math.max(maxExecuting, executing.size);
      });
      engine.events.on("run.completed", (e) => {
        executing.delete(e.runId);
        completions.resolve(e.runId);
      });
      engine.events.on("run.failed", (e) => completions.failAll(new Error(`run ${e.runId} failed`)));
      engine.events.on("engine.error", (e) =>
        console.error(`[continuum] engine error in ${e.where}:`, e.error),
      );
      engines.push(engine);
    }
    for (const engine of engines) engine.start();
    // A client without an engine: no eager start, so both variants go through the claim path.
    const client = createClient({ journal: journals[0]! });
    const t0 = performance.now();
    const runIds: string[] = [];
    for (let i = 0; i < n; i += 1) {
      const run = await client.start(threeStep, i, limit === undefined ? {} : { queue });
      runIds.push(run.runId);
    }
    await withDeadline(
      Promise.all(runIds.map((runId) => completions.wait(runId))),
      20 * 60_000,
      "queued runs completing",
    );
    return { ms: performance.now() - t0, maxExecuting };
  } finally {
    await Promise.all(engines.map((engine) => engine.stop()));
    await Promise.all(journals.map((journal) => journal.close()));
    await db.drop();
  }
}
