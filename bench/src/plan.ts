import type { PeerName, ScenarioName } from "./case.ts";

/** One scenario at one set of parameters, and the peers that take part. */
export interface PlannedScenario {
  readonly scenario: ScenarioName;
  readonly variant: string;
  readonly params: Readonly<Record<string, number>>;
  readonly peers: readonly PeerName[];
  /** Repetitions of this variant (each peer once per repetition, in rotating order). */
  readonly reps: number;
  /**
   * Per-case time limit of a full run (a wedged peer must not stall a half-hour run); none in
   * smoke mode, whose caller (the smoke test) waits for completion and lets its runner's timeout
   * catch a hang, so a busy machine cannot fail it.
   */
  readonly timeoutMs: number | undefined;
}

export type BenchMode = "smoke" | "full";

const all: readonly PeerName[] = [
  "continuum-pg",
  "continuum-pglite",
  "continuum-pglite-dir",
  "dbos",
  "pg-boss",
  "graphile-worker",
  "pg-raw",
];
const durable: readonly PeerName[] = ["continuum-pg", "continuum-pglite", "dbos"];
const continuum: readonly PeerName[] = ["continuum-pg", "continuum-pglite"];

/**
 * The scenarios with their parameters. `smoke` uses tiny sizes (the whole run well under a
 * minute: CI runs it so the harness cannot rot); `full` uses the sizes the README reports.
 */
export function buildPlan(mode: BenchMode, reps: number): PlannedScenario[] {
  const smoke = mode === "smoke";
  const r = smoke ? 1 : reps;
  const t = smoke ? undefined : 20 * 60_000;
  const plan: PlannedScenario[] = [];
  const add = (
    scenario: ScenarioName,
    variant: string,
    params: Record<string, number>,
    peers: readonly PeerName[],
    repsHere = r,
  ): void => {
    plan.push({ scenario, variant, params, peers, reps: repsHere, timeoutMs: t });
  };
  if (smoke) {
    add("throughput", "n10-c5", { n: 10, concurrency: 5 }, all);
    add("latency", "runs5", { runs: 5 }, all);
    add("floor", "c1", { concurrency: 1, inserts: 50 }, ["pg-raw"]);
    add("floor", "c16", { concurrency: 16, inserts: 200 }, ["pg-raw"]);
    add("long-history", "steps20", { steps: 20 }, durable);
    add("wakeup", "signals5", { signals: 5 }, durable);
    add("cold-replay", "events100", { events: 100 }, continuum);
    add("memory", "runs50", { runs: 50 }, continuum);
    add("fanout", "width10", { width: 10 }, durable);
    add("fanout", "children10", { width: 10, children: 1 }, continuum);
    add("queue", "n30-e3", { n: 30, engines: 3, limit: 10 }, ["continuum-pg"]);
    add("scale", "e2", { engines: 2, runs: 250, latencyRuns: 10, rounds: 2 }, ["continuum-pg"]);
    return plan;
  }
  // Embedded PGlite is one connection in this process and several times slower than the
  // server, so it takes the smaller sizes (each noted in its variant name) to keep a full run
  // inside half an hour.
  const server: readonly PeerName[] = ["continuum-pg", "dbos", "pg-boss", "graphile-worker", "pg-raw"];
  for (const n of [500, 2000]) {
    for (const c of [10, 50])
      add("throughput", `n${n}-c${c}`, { n, concurrency: c }, server, n === 500 ? r : 1);
  }
  // The embedded default, a data directory whose commits are synced to disk, next to memory://.
  add("throughput", "n500-c10", { n: 500, concurrency: 10 }, ["continuum-pglite", "continuum-pglite-dir"], 1);
  add("latency", "runs200", { runs: 200 }, all);
  add("floor", "c1", { concurrency: 1, inserts: 2000 }, ["pg-raw"]);
  add("floor", "c16", { concurrency: 16, inserts: 5000 }, ["pg-raw"]);
  add("long-history", "steps1000", { steps: 1000 }, durable);
  add("long-history", "steps10000", { steps: 10_000 }, ["continuum-pg", "dbos"], 1);
  add("wakeup", "signals100", { signals: 100 }, durable);
  add("cold-replay", "events10000", { events: 10_000 }, ["continuum-pg"], 1);
  add("cold-replay", "events2000", { events: 2000 }, ["continuum-pglite"], 1);
  add("memory", "runs10000", { runs: 10_000 }, ["continuum-pg"], 1);
  add("memory", "runs2000", { runs: 2000 }, ["continuum-pglite"], 1);
  add("fanout", "width1000", { width: 1000 }, durable);
  add("fanout", "children1000", { width: 1000, children: 1 }, ["continuum-pg"]);
  add("queue", "n1000-e3", { n: 1000, engines: 3, limit: 10 }, ["continuum-pg"]);
  // Engine processes on one database (issue 17); `pnpm bench:scale` adds the netns mode.
  for (const engines of [1, 2, 4, 8])
    add("scale", `e${engines}`, { engines, runs: 1000, latencyRuns: 200, rounds: 20 }, ["continuum-pg"], 1);
  return plan;
}

/** Peer order for a repetition: rotated by one each time, so no peer always runs first or last. */
export function peerOrder(peers: readonly PeerName[], rep: number): PeerName[] {
  const k = rep % Math.max(1, peers.length);
  return [...peers.slice(k), ...peers.slice(0, k)];
}
