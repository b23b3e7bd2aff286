import { closedLoop, withDeadline } from "../support/closed-loop.ts";
import { counterDelta, readDatabaseCounters, type BenchDatabase } from "../support/database.ts";
import { percentile } from "../support/stats.ts";
import { statementCounts } from "../support/statement-counter.ts";

/**
 * A peer opened for the 3-step workload: `runOne` starts one 3-step workflow (or job chain) and
 * resolves when it is complete as its user observes it. A peer that also has an engine-side
 * completion event (Continuum: `run.result()` is what a user awaits, `run.completed` what the
 * engine reports) resolves with the ms from its start to that event, reported alongside.
 */
export interface ThreeStepHarness {
  runOne(index: number): Promise<number | void>;
  close(): Promise<void>;
}

/** Opens a peer's 3-step harness on `db` (undefined for embedded PGlite) at `concurrency`. */
export type OpenThreeStep = (db: BenchDatabase | undefined, concurrency: number) => Promise<ThreeStepHarness>;

const perWorkflowDeadlineMs = 60_000;

/**
 * Throughput at a concurrency, with the work per workflow: client CPU, statements sent by the
 * process, commits and backend CPU on the server. A short warm-up first, so connection setup
 * and JIT are not charged to the figures.
 */
export async function measureThroughput(
  db: BenchDatabase | undefined,
  open: OpenThreeStep,
  n: number,
  concurrency: number,
): Promise<Record<string, number>> {
  const harness = await open(db, concurrency);
  try {
    const warm = Math.min(50, Math.max(concurrency, Math.ceil(n / 10)));
    await closedLoop(warm, concurrency, async (i) => {
      await withDeadline(harness.runOne(-1 - i), perWorkflowDeadlineMs, "warm-up workflow");
    });
    const dbBefore = db === undefined ? undefined : await readDatabaseCounters(db.name);
    const stmtBefore = statementCounts();
    const cpuBefore = process.cpuUsage();
    const ms = await closedLoop(n, concurrency, async (i) => {
      await withDeadline(harness.runOne(i), perWorkflowDeadlineMs, `workflow ${i}`);
    });
    const cpu = process.cpuUsage(cpuBefore);
    const stmtAfter = statementCounts();
    const metrics: Record<string, number> = {
      wfPerSec: (n * 1000) / ms,
      stepsPerSec: (3 * n * 1000) / ms,
      clientCpuMsPerWf: (cpu.user + cpu.system) / 1000 / n,
    };
    if (db !== undefined && dbBefore !== undefined) {
      const delta = counterDelta(dbBefore, await readDatabaseCounters(db.name));
      metrics.statementsPerWf = (stmtAfter.total - stmtBefore.total) / n;
      metrics.txControlPerWf = (stmtAfter.transactionControl - stmtBefore.transactionControl) / n;
      metrics.dbCpuMsPerWf = delta.backendCpuMs / n;
    }
    return metrics;
  } finally {
    await harness.close();
  }
}

/** One workflow at a time: start -> completion percentiles. */
export async function measureLatency(
  db: BenchDatabase | undefined,
  open: OpenThreeStep,
  runs: number,
): Promise<Record<string, number>> {
  const harness = await open(db, 1);
  try {
    for (let i = 0; i < Math.min(20, runs); i += 1)
      await withDeadline(harness.runOne(-1 - i), perWorkflowDeadlineMs, "warm-up workflow");
    const samples: number[] = [];
    const eventSamples: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const t0 = performance.now();
      const eventMs = await withDeadline(harness.runOne(i), perWorkflowDeadlineMs, `workflow ${i}`);
      samples.push(performance.now() - t0);
      if (typeof eventMs === "number") eventSamples.push(eventMs);
    }
    return {
      p50Ms: percentile(samples, 0.5),
      p95Ms: percentile(samples, 0.95),
      p99Ms: percentile(samples, 0.99),
      ...(eventSamples.length === 0
        ? {}
        : { eventP50Ms: percentile(eventSamples, 0.5), eventP99Ms: percentile(eventSamples, 0.99) }),
    };
  } finally {
    await harness.close();
  }
}

/** Per-step figures of one long run from the time each step's body ran. */
export function longHistoryMetrics(
  stepTimes: readonly number[],
  startedAt: number,
  finishedAt: number,
): Record<string, number> {
  const steps = stepTimes.length;
  const window = Math.max(1, Math.min(100, Math.floor(steps / 5)));
  const gaps: number[] = [];
  for (let i = 1; i < steps; i += 1) gaps.push((stepTimes[i] as number) - (stepTimes[i - 1] as number));
  const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const first = avg(gaps.slice(0, window));
  const last = avg(gaps.slice(-window));
  return {
    steps,
    msPerStep: (finishedAt - startedAt) / steps,
    firstWindowMsPerStep: first,
    lastWindowMsPerStep: last,
    lastOverFirst: last / first,
  };
}

/** Wake-up figures from (signal sent, code resumed) pairs. */
export function wakeupMetrics(samples: readonly number[]): Record<string, number> {
  return { p50Ms: percentile(samples, 0.5), p95Ms: percentile(samples, 0.95) };
}
