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
 * without a queue, each on a fresh database, in two ways:
 * - arrival: the engines run while one client starts the runs one after another; timed from the
 *   first start to the last completion (the start loop bounds both variants);
 * - backlog: all N runs are started first, then the engines start; timed from the engines'
 *   start to the last completion. This is what a queue's slots bound: with the backlog there
 *   from the first moment, the queued variant can never have more than `limit` runs in flight.
 * `maxExecuting` is the most queued runs between dequeue (`queue.dequeued`) and end
 * (`run.completed`) at once, as the engines reported them (both ways).
 */
export const queueScenario: ScenarioRunner = async (p) => {
  const n = p.n as number;
  const engines = p.engines as number;
  const limit = p.limit as number;
  const queued = await timeRuns(n, engines, limit, "arrival");
  const plain = await timeRuns(n, engines, undefined, "arrival");
  const queuedBacklog = await timeRuns(n, engines, limit, "backlog");
  const plainBacklog = await timeRuns(n, engines, undefined, "backlog");
  return {
    queuedWfPerSec: (n * 1000) / queued.ms,
    plainWfPerSec: (n * 1000) / plain.ms,
    throughputRatio: plain.ms / queued.ms,
    backlogQueuedWfPerSec: (n * 1000) / queuedBacklog.ms,
    backlogPlainWfPerSec: (n * 1000) / plainBacklog.ms,
    backlogRatio: plainBacklog.ms / queuedBacklog.ms,
    maxExecuting: Math.max(queued.maxExecuting, queuedBacklog.maxExecuting),
    queuedMs: queued.ms,
    plainMs: plain.ms,
  };
};

async function timeRuns(
  n: number,
  engineCount: number,
  limit: number | undefined,
  way: "arrival" | "backlog",
): Promise<{ ms: number; maxExecuting: number }> {
  const db = await createDatabase("continuum", `queue_${limit === undefined ? "plain" : "limited"}_${way}`);
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
    // A client without an engine: no eager start, so both variants go through the claim path.
    const client = createClient({ journal: journals[0]! });
    const startAll = async (): Promise<string[]> => {
      const ids: string[] = [];
      for (let i = 0; i < n; i += 1)
        ids.push((await client.start(threeStep, i, limit === undefined ? {} : { queue })).runId);
      return ids;
    };
    let t0: number;
    let runIds: string[];
    if (way === "arrival") {
      for (const engine of engines) engine.start();
      t0 = performance.now();
      runIds = await startAll();
    } else {
      runIds = await startAll();
      t0 = performance.now();
      for (const engine of engines) engine.start();
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
