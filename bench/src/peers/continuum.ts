import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createClient,
  createEngine,
  openJournal,
  type Engine,
  type EngineOptions,
  type Journal,
} from "@continuum/core";
import { replayHistory } from "@continuum/core/testing";
import type { PeerDriver } from "../case.ts";
import { createCompletions, delay, withDeadline } from "../support/closed-loop.ts";
import { createDatabase, type BenchDatabase } from "../support/database.ts";
import { summarize } from "../support/stats.ts";
import { queueScenario } from "./continuum-queue.ts";
import { scaleScenario } from "./continuum-scale.ts";
import {
  longHistoryMetrics,
  measureLatency,
  measureThroughput,
  wakeupMetrics,
  type OpenThreeStep,
} from "./three-step.ts";
import {
  benchActivities,
  benchWorkflows,
  coldFlow,
  fanout,
  fanoutChildren,
  longLoop,
  probes,
  suspended,
  threeStep,
  waitLoop,
} from "./continuum-workflows.ts";

interface Opened {
  readonly journal: Journal;
  close(): Promise<void>;
}

/**
 * Where an embedded journal lives: in memory, or in a fresh data directory (what `openJournal()`
 * opens by default: files on disk, each commit synced).
 */
export type EmbeddedPlace = "memory" | "dir";

async function openOn(db: BenchDatabase | undefined, embedded: EmbeddedPlace = "memory"): Promise<Opened> {
  if (db === undefined) {
    if (embedded === "memory") {
      const journal = await openJournal({ dataDir: "memory://" });
      return { journal, close: () => journal.close() };
    }
    const dataDir = mkdtempSync(join(tmpdir(), "continuum-bench-"));
    const journal = await openJournal({ dataDir });
    return {
      journal,
      close: async () => {
        await journal.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  // The journal opens its own pool (pg's default size, 10, as every peer's), with its defaults.
  const journal = await openJournal({ url: db.url, migrate: true });
  return {
    journal,
    close: async () => {
      await journal.close();
    },
  };
}

/** An engine whose run endings resolve a completion map keyed by run id. */
function startEngine(journal: Journal, options: Partial<EngineOptions> = {}) {
  const completions = createCompletions();
  const engine: Engine = createEngine({
    journal,
    workflows: benchWorkflows,
    activities: benchActivities,
    ...options,
  });
  engine.events.on("run.completed", (e) => completions.resolve(e.runId));
  engine.events.on("run.failed", (e) =>
    completions.failAll(new Error(`run ${e.runId} failed: ${JSON.stringify(e.error)}`)),
  );
  engine.events.on("engine.error", (e) => console.error(`[continuum] engine error in ${e.where}:`, e.error));
  engine.start();
  return { engine, completions };
}

const openThreeStepOn =
  (embedded?: EmbeddedPlace): OpenThreeStep =>
  async (db) => {
    const opened = await openOn(db, embedded);
    // Engine defaults, as a user gets them (no concurrency tuned to the offered load).
    const { engine, completions } = startEngine(opened.journal);
    const client = createClient({ journal: opened.journal, engine });
    return {
      async runOne(i) {
        const t0 = performance.now();
        const run = await client.start(threeStep, i);
        const event = completions.wait(run.runId).then(() => performance.now() - t0);
        // Complete when the user sees it: the run's result; the engine's event is reported alongside.
        await run.result();
        return event;
      },
      async close() {
        await engine.stop();
        await opened.close();
      },
    };
  };

/**
 * Remembers when each run last committed a step, so the harness can wait for "the code reached
 * this point and the step that got there is in the journal" without racing the commit.
 */
function trackCommits(
  engine: Engine,
): (map: Map<string, number>, key: string, runId: string, timeoutMs?: number) => Promise<void> {
  const lastCommit = new Map<string, number>();
  engine.events.on("step.committed", (e) => lastCommit.set(e.runId, performance.now()));
  return (map, key, runId, timeoutMs = 60_000) =>
    withDeadline(
      (async () => {
        for (;;) {
          const markedAt = map.get(key);
          if (markedAt !== undefined && (lastCommit.get(runId) ?? -1) >= markedAt) return;
          await delay(1);
        }
      })(),
      timeoutMs,
      `workflow reaching ${key}`,
    );
}

/** Continuum on PostgreSQL (`embedded` undefined) or on embedded PGlite, in memory or in a data directory. */
export function continuumDriver(embedded?: EmbeddedPlace): PeerDriver {
  const openThreeStep = openThreeStepOn(embedded);
  const withDb = async <T>(
    scenario: string,
    body: (db: BenchDatabase | undefined) => Promise<T>,
  ): Promise<T> => {
    const db = embedded !== undefined ? undefined : await createDatabase("continuum", scenario);
    try {
      return await body(db);
    } finally {
      await db?.drop();
    }
  };
  return {
    throughput: (p) =>
      withDb("throughput", (db) =>
        measureThroughput(db, openThreeStep, p.n as number, p.concurrency as number),
      ),
    queue: embedded !== undefined ? undefined : queueScenario,
    scale: embedded !== undefined ? undefined : scaleScenario,
    latency: (p) => withDb("latency", (db) => measureLatency(db, openThreeStep, p.runs as number)),
    "long-history": (p) =>
      withDb("long", async (db) => {
        const opened = await openOn(db, embedded);
        const { engine, completions } = startEngine(opened.journal);
        try {
          const client = createClient({ journal: opened.journal, engine });
          // A short run first, so the measured one does not start on cold (unoptimised) code.
          const warm = await client.start(longLoop, Math.min(200, Math.ceil((p.steps as number) / 5)));
          await withDeadline(completions.wait(warm.runId), 5 * 60_000, "warm-up run");
          probes.stepTimes.length = 0;
          const t0 = performance.now();
          const run = await client.start(longLoop, p.steps as number);
          await withDeadline(completions.wait(run.runId), 20 * 60_000, "long-history run");
          return longHistoryMetrics(probes.stepTimes, t0, performance.now());
        } finally {
          await engine.stop();
          await opened.close();
        }
      }),
    wakeup: (p) =>
      withDb("wakeup", async (db) => {
        const opened = await openOn(db, embedded);
        const { engine, completions } = startEngine(opened.journal);
        const reached = trackCommits(engine);
        try {
          const client = createClient({ journal: opened.journal, engine });
          probes.waiting.clear();
          probes.resumed.clear();
          const count = p.signals as number;
          const warm = 5;
          const run = await client.start(waitLoop, count + warm);
          const samples: number[] = [];
          for (let k = 0; k < count + warm; k += 1) {
            await reached(probes.waiting, String(k), run.runId);
            await delay(20); // both peers get the same settle time before the signal
            const t0 = performance.now();
            await client.signal(run.runId, "go", k);
            await withDeadline(
              (async () => {
                while (!probes.resumed.has(String(k))) await delay(0);
              })(),
              30_000,
              `resume ${k}`,
            );
            if (k >= warm) samples.push((probes.resumed.get(String(k)) as number) - t0);
          }
          await withDeadline(completions.wait(run.runId), 30_000, "wait-loop run");
          return wakeupMetrics(samples);
        } finally {
          await engine.stop();
          await opened.close();
        }
      }),
    "cold-replay": (p) =>
      withDb("cold", async (db) => {
        const opened = await openOn(db, embedded);
        let engine: Engine | undefined;
        try {
          // One run with a long history that then waits for `finish` six times: three resumes on
          // the engine that built it (sticky), then three each by a fresh engine that has to
          // rebuild the run from the journal (the previous engine stopped and gave it back).
          probes.waiting.clear();
          probes.resumed.clear();
          const client = createClient({ journal: opened.journal });
          const steps = Math.max(1, Math.round((p.events as number) / 2));
          const sticky = 3;
          const cold = 3;
          let current = startEngine(opened.journal);
          engine = current.engine;
          let reached = trackCommits(current.engine);
          const run = await client.start(coldFlow, { steps, resumes: sticky + cold });
          await reached(probes.waiting, "cold:0", run.runId, 15 * 60_000);
          const historyEvents = (await client.history(run.runId)).length;
          const resume = async (r: number): Promise<number> => {
            const t0 = performance.now();
            await client.signal(run.runId, "finish", r);
            const key = `cold:${r}`;
            await withDeadline(
              (async () => {
                while (!probes.resumed.has(key)) await delay(0);
              })(),
              60_000,
              `resume ${r}`,
            );
            const ms = (probes.resumed.get(key) as number) - t0;
            if (r + 1 < sticky + cold) await reached(probes.waiting, `cold:${r + 1}`, run.runId);
            else await withDeadline(current.completions.wait(run.runId), 60_000, "cold-flow run");
            return ms;
          };
          const warmSamples: number[] = [];
          for (let r = 0; r < sticky; r += 1) warmSamples.push(await resume(r));
          const coldSamples: number[] = [];
          const coldStepSamples: number[] = [];
          let replayedEvents = Number.NaN;
          for (let r = sticky; r < sticky + cold; r += 1) {
            await current.engine.stop();
            current = startEngine(opened.journal);
            engine = current.engine;
            reached = trackCommits(current.engine);
            current.engine.events.on("replay.started", (e) => {
              if (e.runId === run.runId) replayedEvents = e.historyLength;
            });
            current.engine.events.on("step.committed", (e) => {
              if (e.runId === run.runId && !e.cached) coldStepSamples.push(e.durationMs);
            });
            await delay(200); // let the fresh engine finish its first polls
            coldSamples.push(await resume(r));
          }
          await current.engine.stop();

          // Reading the history, then the replay alone, in memory, over the history as it was.
          const readSamples: number[] = [];
          const replaySamples: number[] = [];
          for (let i = 0; i < 3; i += 1) {
            const readStart = performance.now();
            const history = await opened.journal.readHistory(run.runId);
            readSamples.push(performance.now() - readStart);
            const replayStart = performance.now();
            await replayHistory(coldFlow, history.slice(0, historyEvents));
            replaySamples.push(performance.now() - replayStart);
          }
          const median = (xs: number[]): number => summarize(xs).median;
          return {
            historyEvents,
            replayedEvents,
            coldMs: median(coldSamples),
            warmMs: median(warmSamples),
            coldStepMs: median(coldStepSamples),
            historyReadMs: median(readSamples),
            replayOnlyMs: median(replaySamples),
          };
        } finally {
          await engine?.stop();
          await opened.close();
        }
      }),
    memory: (p) =>
      withDb("memory", async (db) => {
        const runs = p.runs as number;
        const opened = await openOn(db, embedded);
        const { engine } = startEngine(opened.journal, { cacheSize: runs + 100 });
        try {
          const client = createClient({ journal: opened.journal, engine });
          probes.waiting.clear();
          const gc = (globalThis as { gc?: () => void }).gc;
          const settle = async (): Promise<{ heap: number; rss: number }> => {
            for (let i = 0; i < 3; i += 1) {
              gc?.();
              await delay(50);
            }
            const m = process.memoryUsage();
            return { heap: m.heapUsed, rss: m.rss };
          };
          let committed = 0;
          engine.events.on("step.committed", () => (committed += 1));
          const baseline = await settle();
          let next = 0;
          const lane = async (): Promise<void> => {
            while (next < runs) {
              const i = next++;
              await client.start(suspended, i);
            }
          };
          await Promise.all(Array.from({ length: 16 }, lane));
          await withDeadline(
            (async () => {
              while (probes.waiting.size < runs || committed < runs) await delay(20);
            })(),
            20 * 60_000,
            "runs suspending",
          );
          const held = await settle();
          await engine.stop();
          const evicted = await settle();
          return {
            runs,
            heapPerRunBytes: (held.heap - evicted.heap) / runs,
            rssPerRunBytes: (held.rss - evicted.rss) / runs,
            rssGrowthPerRunBytes: (held.rss - baseline.rss) / runs,
            rssBaselineMB: baseline.rss / 2 ** 20,
            rssSuspendedMB: held.rss / 2 ** 20,
            rssEvictedMB: evicted.rss / 2 ** 20,
            heapSuspendedMB: held.heap / 2 ** 20,
            heapEvictedMB: evicted.heap / 2 ** 20,
          };
        } finally {
          await engine.stop();
          await opened.close();
        }
      }),
    fanout: (p) =>
      withDb("fanout", async (db) => {
        const opened = await openOn(db, embedded);
        const { engine, completions } = startEngine(opened.journal);
        try {
          const client = createClient({ journal: opened.journal, engine });
          const width = p.width as number;
          const t0 = performance.now();
          // children: 1 fans out to child workflows (each runs one activity) instead of activities.
          const run =
            p.children === 1 ? await client.start(fanoutChildren, width) : await client.start(fanout, width);
          await withDeadline(completions.wait(run.runId), 10 * 60_000, "fan-out run");
          const ms = performance.now() - t0;
          return { totalMs: ms, activitiesPerSec: (width * 1000) / ms };
        } finally {
          await engine.stop();
          await opened.close();
        }
      }),
  };
}
