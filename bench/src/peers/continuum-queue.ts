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
import { percentile } from "../support/stats.ts";
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
 * Each variant of each way runs as two halves of N/2 in the order queue, plain, plain, queue
 * (each half on a fresh database), and its time is the sum of its halves: on a shared machine
 * whose load drifts during a case, the drift then weighs on both variants alike.
 */
export const queueScenario: ScenarioRunner = async (p) => {
  const n = p.n as number;
  const engines = p.engines as number;
  const limit = p.limit as number;
  const [queued, plain] = await abba(n, engines, limit, "arrival");
  const [queuedBacklog, plainBacklog] = await abba(n, engines, limit, "backlog");
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
    // Where the arrival way's time goes (milliseconds): the start loop, and per run the p50 of
    // start -> dequeue, dequeue -> first step, start -> first step and first step -> end.
    queuedStartLoopMs: queued.startLoopMs,
    plainStartLoopMs: plain.startLoopMs,
    queuedWaitP50Ms: queued.phases.wait,
    queuedDequeueToStepP50Ms: queued.phases.dequeueToStep,
    queuedStartToStepP50Ms: queued.phases.startToStep,
    plainStartToStepP50Ms: plain.phases.startToStep,
    queuedStepToEndP50Ms: queued.phases.stepToEnd,
    plainStepToEndP50Ms: plain.phases.stepToEnd,
  };
};

type Timed = Awaited<ReturnType<typeof timeRuns>>;

/** Both variants of one way, as halves in the order queue, plain, plain, queue; each summed. */
async function abba(
  n: number,
  engines: number,
  limit: number,
  way: "arrival" | "backlog",
): Promise<[Timed, Timed]> {
  const first = Math.ceil(n / 2);
  const second = n - first;
  const q1 = await timeRuns(first, engines, limit, way);
  const p1 = await timeRuns(first, engines, undefined, way);
  const p2 = await timeRuns(second, engines, undefined, way);
  const q2 = await timeRuns(second, engines, limit, way);
  return [joined(q1, q2), joined(p1, p2)];
}

/** Two halves of one variant as one: times summed, the most executing, each phase's p50s averaged. */
function joined(a: Timed, b: Timed): Timed {
  const mid = (key: keyof Phases): number => (a.phases[key] + b.phases[key]) / 2;
  return {
    ms: a.ms + b.ms,
    maxExecuting: Math.max(a.maxExecuting, b.maxExecuting),
    startLoopMs: a.startLoopMs + b.startLoopMs,
    phases: {
      wait: mid("wait"),
      dequeueToStep: mid("dequeueToStep"),
      startToStep: mid("startToStep"),
      stepToEnd: mid("stepToEnd"),
    },
  };
}

/**
 * One timed variant of the queue scenario (through a queue of concurrency `limit`, or none when
 * undefined), on a fresh database: what `queueScenario` runs four times, exported for diagnosis.
 */
export async function timeRuns(
  n: number,
  engineCount: number,
  limit: number | undefined,
  way: "arrival" | "backlog",
): Promise<{ ms: number; maxExecuting: number; startLoopMs: number; phases: Phases }> {
  const db = await createDatabase("continuum", `queue_${limit === undefined ? "plain" : "limited"}_${way}`);
  const journals: Journal[] = [];
  const engines: Engine[] = [];
  try {
    const queue = defineQueue("bench.queue", limit === undefined ? {} : { concurrency: limit });
    const completions = createCompletions();
    const executing = new Set<string>();
    let maxExecuting = 0;
    const marks = new Map<string, RunMarks>();
    const mark = (runId: string): RunMarks => {
      let m = marks.get(runId);
      if (m === undefined) marks.set(runId, (m = {}));
      return m;
    };
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
        for (const runId of e.runIds) {
          executing.add(runId);
          mark(runId).dequeued = performance.now();
        }
        maxExecuting = Math.max(maxExecuting, executing.size);
      });
      engine.events.on("run.started", (e) => {
        mark(e.runId).stepped ??= performance.now();
      });
      engine.events.on("run.completed", (e) => {
        mark(e.runId).ended = performance.now();
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
      for (let i = 0; i < n; i += 1) {
        const runId = (await client.start(threeStep, i, limit === undefined ? {} : { queue })).runId;
        mark(runId).started = performance.now();
        ids.push(runId);
      }
      return ids;
    };
    let t0: number;
    let runIds: string[];
    let startLoopMs = Number.NaN;
    if (way === "arrival") {
      for (const engine of engines) engine.start();
      t0 = performance.now();
      runIds = await startAll();
      startLoopMs = performance.now() - t0;
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
    return { ms: performance.now() - t0, maxExecuting, startLoopMs, phases: phasesOf([...marks.values()]) };
  } finally {
    await Promise.all(engines.map((engine) => engine.stop()));
    await Promise.all(journals.map((journal) => journal.close()));
    await db.drop();
  }
}

interface RunMarks {
  started?: number;
  dequeued?: number;
  stepped?: number;
  ended?: number;
}

interface Phases {
  readonly wait: number;
  readonly dequeueToStep: number;
  readonly startToStep: number;
  readonly stepToEnd: number;
}

/** The p50 of each phase over the runs that passed both of its marks. */
function phasesOf(runs: readonly RunMarks[]): Phases {
  const p50 = (from: keyof RunMarks, to: keyof RunMarks): number =>
    percentile(
      runs.flatMap((m) => (m[from] === undefined || m[to] === undefined ? [] : [m[to] - m[from]])),
      0.5,
    );
  return {
    wait: p50("started", "dequeued"),
    dequeueToStep: p50("dequeued", "stepped"),
    startToStep: p50("started", "stepped"),
    stepToEnd: p50("stepped", "ended"),
  };
}
