/** The peers, in the order the report lists them. */
export const peerNames = [
  "continuum-pg",
  "continuum-pglite",
  "continuum-pglite-dir",
  "dbos",
  "pg-boss",
  "graphile-worker",
  "pg-raw",
] as const;
export type PeerName = (typeof peerNames)[number];

/** The scenarios, in the order the report lists them. */
export const scenarioNames = [
  "throughput",
  "latency",
  "floor",
  "long-history",
  "wakeup",
  "cold-replay",
  "memory",
  "fanout",
  "queue",
  "scale",
] as const;
export type ScenarioName = (typeof scenarioNames)[number];

/** One measurement to take: a peer, a scenario and its parameters. Runs in its own process. */
export interface BenchCase {
  readonly scenario: ScenarioName;
  readonly peer: PeerName;
  /** Short label of the parameters, e.g. `n500-c10`. */
  readonly variant: string;
  readonly params: Readonly<Record<string, number>>;
  /** Repetition index (0-based), for the log. */
  readonly rep: number;
}

/** What a case measured: named figures (units in the names), or why it failed. */
export interface CaseResult {
  readonly scenario: ScenarioName;
  readonly peer: PeerName;
  readonly variant: string;
  readonly rep: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly error?: string;
  readonly wallMs: number;
}

/** A scenario as one peer implements it: parameters in, figures out. */
export type ScenarioRunner = (params: Readonly<Record<string, number>>) => Promise<Record<string, number>>;

/** The scenarios a peer takes part in. */
export type PeerDriver = Partial<Record<ScenarioName, ScenarioRunner>>;

/** Line prefix the case process prints its result after (everything else on stdout is log). */
export const resultMarker = "@@BENCH_RESULT ";
