import type { CaseResult, PeerName, ScenarioName } from "./case.ts";
import { peerNames } from "./case.ts";
import { summarize, type Summary } from "./support/stats.ts";

/** Every figure of one (scenario, variant, peer): metric name -> summary over repetitions. */
export interface Aggregate {
  readonly scenario: ScenarioName;
  readonly variant: string;
  readonly peer: PeerName;
  readonly metrics: ReadonlyMap<string, Summary>;
  readonly errors: readonly string[];
}

/** Groups case results by (scenario, variant, peer) and summarizes each metric. */
export function aggregate(results: readonly CaseResult[]): Aggregate[] {
  const groups = new Map<string, CaseResult[]>();
  for (const r of results) {
    const key = `${r.scenario}\u0000${r.variant}\u0000${r.peer}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: Aggregate[] = [];
  for (const rs of groups.values()) {
    const first = rs[0] as CaseResult;
    const names = new Set(rs.flatMap((r) => Object.keys(r.metrics)));
    const metrics = new Map<string, Summary>();
    for (const name of names) metrics.set(name, summarize(rs.map((r) => r.metrics[name] ?? Number.NaN)));
    out.push({
      scenario: first.scenario,
      variant: first.variant,
      peer: first.peer,
      metrics,
      errors: rs.flatMap((r) => (r.error === undefined ? [] : [r.error])),
    });
  }
  return out;
}

/**
 * Metrics only Continuum's peers report: the engine's own `run.completed` event timed alongside
 * `run.result()` (the other peers have no such event, so their cells stay empty).
 */
export const continuumOnlyMetrics: ReadonlySet<string> = new Set(["eventP50Ms", "eventP99Ms"]);

/** Columns shown per scenario (metric name, header). The first is the headline figure. */
export const scenarioColumns: Record<ScenarioName, ReadonlyArray<readonly [string, string]>> = {
  throughput: [
    ["wfPerSec", "wf/s"],
    ["stepsPerSec", "steps/s"],
  ],
  latency: [
    ["p50Ms", "p50 ms"],
    ["p95Ms", "p95 ms"],
    ["p99Ms", "p99 ms"],
    ["eventP50Ms", "engine event p50 ms"],
    ["eventP99Ms", "engine event p99 ms"],
  ],
  floor: [
    ["commitsPerSec", "commits/s"],
    ["p50Ms", "p50 ms"],
    ["p95Ms", "p95 ms"],
  ],
  "long-history": [
    ["msPerStep", "ms/step"],
    ["firstWindowMsPerStep", "first-100 ms/step"],
    ["lastWindowMsPerStep", "last-100 ms/step"],
    ["lastOverFirst", "last/first"],
  ],
  wakeup: [
    ["p50Ms", "p50 ms"],
    ["p95Ms", "p95 ms"],
  ],
  "cold-replay": [
    ["coldMs", "resume after rebuild ms"],
    ["warmMs", "sticky resume ms"],
    ["coldStepMs", "step after rebuild ms"],
    ["historyReadMs", "history read ms"],
    ["replayOnlyMs", "replay only ms"],
    ["historyEvents", "events"],
  ],
  memory: [
    ["heapPerRunBytes", "heap B/run (held − evicted)"],
    ["rssGrowthPerRunBytes", "RSS growth B/run"],
    ["rssSuspendedMB", "RSS held MB"],
    ["rssEvictedMB", "RSS after eviction MB"],
  ],
  fanout: [
    ["totalMs", "total ms"],
    ["activitiesPerSec", "activities/s"],
  ],
  queue: [
    ["queuedWfPerSec", "queue (concurrency 10) wf/s"],
    ["plainWfPerSec", "no queue wf/s"],
    ["throughputRatio", "queue / no queue"],
    ["backlogQueuedWfPerSec", "backlog: queue wf/s"],
    ["backlogPlainWfPerSec", "backlog: no queue wf/s"],
    ["backlogRatio", "backlog: queue / no queue"],
    ["maxExecuting", "max executing (queue)"],
  ],
  scale: [
    ["wfPerSec", "wf/s"],
    ["p50Ms", "p50 ms"],
    ["p99Ms", "p99 ms"],
    ["minMaxShare", "min/max runs per engine"],
    ["signalWakeP50Ms", "signal wake p50 ms"],
    ["childWakeP50Ms", "child wake p50 ms"],
    ["timerWakeP50Ms", "timer wake p50 ms"],
    ["commitsPerWf", "commits/wf"],
  ],
};

/** Database work per 3-step workflow, taken from the throughput cases. */
export const workColumns: ReadonlyArray<readonly [string, string]> = [
  ["statementsPerWf", "statements/wf"],
  ["txControlPerWf", "of which BEGIN/COMMIT"],
  ["clientCpuMsPerWf", "client CPU ms/wf"],
  ["dbCpuMsPerWf", "server CPU ms/wf"],
];

function fmtNumber(v: number): string {
  if (!Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** `median (min–max)`, or the single value. */
export function fmtSummary(s: Summary | undefined): string {
  if (s === undefined || s.samples === 0) return "–";
  if (s.samples === 1) return fmtNumber(s.median);
  return `${fmtNumber(s.median)} (${fmtNumber(s.min)}–${fmtNumber(s.max)})`;
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function variantsOf(aggs: readonly Aggregate[], scenario: ScenarioName): string[] {
  return [...new Set(aggs.filter((a) => a.scenario === scenario).map((a) => a.variant))];
}

function find(
  aggs: readonly Aggregate[],
  scenario: ScenarioName,
  variant: string,
  peer: PeerName,
): Aggregate | undefined {
  return aggs.find((a) => a.scenario === scenario && a.variant === variant && a.peer === peer);
}

/** The results tables in markdown, one per scenario (rows: variant × peer). */
export function resultTables(aggs: readonly Aggregate[]): string {
  const parts: string[] = [];
  for (const scenario of Object.keys(scenarioColumns) as ScenarioName[]) {
    const variants = variantsOf(aggs, scenario);
    if (variants.length === 0) continue;
    const cols = scenarioColumns[scenario];
    const rows: string[][] = [];
    for (const variant of variants) {
      for (const peer of peerNames) {
        const a = find(aggs, scenario, variant, peer);
        if (a === undefined) continue;
        rows.push([
          variant,
          peer,
          ...cols.map(([m]) =>
            a.errors.length > 0 && a.metrics.size === 0 ? "FAILED" : fmtSummary(a.metrics.get(m)),
          ),
        ]);
      }
    }
    parts.push(`### ${scenario}\n\n${markdownTable(["variant", "peer", ...cols.map(([, h]) => h)], rows)}`);
  }
  const work = aggs.filter((a) => a.scenario === "throughput");
  const workVariant = variantsOf(aggs, "throughput")[0];
  if (workVariant !== undefined) {
    const rows = peerNames.flatMap((peer) => {
      const a = work.find((w) => w.variant === workVariant && w.peer === peer);
      return a === undefined ? [] : [[peer, ...workColumns.map(([m]) => fmtSummary(a.metrics.get(m)))]];
    });
    parts.push(
      `### database work per 3-step workflow (throughput ${workVariant})\n\n${markdownTable(["peer", ...workColumns.map(([, h]) => h)], rows)}`,
    );
  }
  return parts.join("\n\n");
}

/** One ratio Continuum/peer of a headline figure, from the same run. */
export interface Ratio {
  readonly what: string;
  readonly peer: PeerName;
  readonly ratio: number;
  /** How to read it: `higher` is better for throughput, `lower` for times and statements. */
  readonly better: "higher" | "lower";
}

const ratioMetrics: ReadonlyArray<readonly [ScenarioName, string, "higher" | "lower"]> = [
  ["throughput", "wfPerSec", "higher"],
  ["latency", "p50Ms", "lower"],
  ["long-history", "msPerStep", "lower"],
  ["wakeup", "p50Ms", "lower"],
  ["fanout", "totalMs", "lower"],
  ["throughput", "statementsPerWf", "lower"],
];

/** Ratios `subject`/peer of the median headline figures. */
export function ratios(aggs: readonly Aggregate[], subject: PeerName = "continuum-pg"): Ratio[] {
  const out: Ratio[] = [];
  for (const [scenario, metric, better] of ratioMetrics) {
    for (const variant of variantsOf(aggs, scenario)) {
      const mine = find(aggs, scenario, variant, subject)?.metrics.get(metric)?.median;
      if (mine === undefined) continue;
      for (const peer of peerNames) {
        if (peer === subject) continue;
        const theirs = find(aggs, scenario, variant, peer)?.metrics.get(metric)?.median;
        if (theirs === undefined || !Number.isFinite(theirs) || theirs === 0) continue;
        out.push({ what: `${scenario} ${variant} ${metric}`, peer, ratio: mine / theirs, better });
      }
    }
  }
  return out;
}

/** Ratios as a markdown table (rows: figure, columns: peer). */
export function ratioTable(rs: readonly Ratio[]): string {
  const peers = peerNames.filter((p) => rs.some((r) => r.peer === p));
  const whats = [...new Set(rs.map((r) => r.what))];
  const rows = whats.map((what) => [
    what,
    ...peers.map((p) => {
      const r = rs.find((x) => x.what === what && x.peer === p);
      return r === undefined ? "" : `${r.ratio.toFixed(2)}×`;
    }),
  ]);
  return markdownTable(["Continuum (PostgreSQL) / peer", ...peers], rows);
}

/** A target from the issue and whether this run met it. */
export interface TargetCheck {
  readonly target: string;
  readonly met: boolean | undefined;
  readonly measured: string;
}

const med = (
  aggs: readonly Aggregate[],
  scenario: ScenarioName,
  variant: string,
  peer: PeerName,
  metric: string,
): number | undefined => find(aggs, scenario, variant, peer)?.metrics.get(metric)?.median;

/** Checks the targets for Continuum on PostgreSQL against this run's figures. */
export function checkTargets(aggs: readonly Aggregate[]): TargetCheck[] {
  const me: PeerName = "continuum-pg";
  const checks: TargetCheck[] = [];
  const all = (xs: Array<boolean | undefined>): boolean | undefined =>
    xs.length === 0 || xs.some((x) => x === undefined) ? undefined : xs.every(Boolean);
  const x = (a: number | undefined, b: number | undefined): number | undefined =>
    a === undefined || b === undefined ? undefined : a / b;
  const f = (v: number | undefined, digits = 2): string => (v === undefined ? "?" : v.toFixed(digits));

  {
    const oks: Array<boolean | undefined> = [];
    const parts: string[] = [];
    for (const v of variantsOf(aggs, "throughput")) {
      const mine = med(aggs, "throughput", v, me, "wfPerSec");
      const d = x(mine, med(aggs, "throughput", v, "dbos", "wfPerSec"));
      const b = x(mine, med(aggs, "throughput", v, "pg-boss", "wfPerSec"));
      const g = x(mine, med(aggs, "throughput", v, "graphile-worker", "wfPerSec"));
      oks.push(d === undefined || b === undefined || g === undefined ? undefined : d >= 3 && b > 1 && g > 1);
      parts.push(`${v}: ${f(d)}× DBOS, ${f(b)}× pg-boss, ${f(g)}× graphile`);
    }
    checks.push({
      target: "throughput >= 3× DBOS wf/s and ahead of pg-boss and graphile-worker",
      met: all(oks),
      measured: parts.join("; "),
    });
  }
  {
    const v = variantsOf(aggs, "latency")[0] ?? "";
    const mine = med(aggs, "latency", v, me, "p50Ms");
    const d = med(aggs, "latency", v, "dbos", "p50Ms");
    const g = med(aggs, "latency", v, "graphile-worker", "p50Ms");
    const met =
      mine === undefined || d === undefined || g === undefined ? undefined : mine <= d / 2 && mine < g;
    checks.push({
      target: "latency p50 <= half of DBOS and below graphile-worker",
      met,
      measured: `p50 ${f(mine)} ms vs DBOS ${f(d)} ms, graphile ${f(g)} ms`,
    });
  }
  {
    const oks: Array<boolean | undefined> = [];
    const parts: string[] = [];
    const variants = variantsOf(aggs, "long-history");
    for (const v of variants) {
      const mine = med(aggs, "long-history", v, me, "msPerStep");
      const d = med(aggs, "long-history", v, "dbos", "msPerStep");
      oks.push(mine === undefined || d === undefined ? undefined : mine <= d / 2);
      parts.push(`${v}: ${f(mine)} vs DBOS ${f(d)} ms/step`);
    }
    const longest = variants.at(-1) ?? "";
    const drift = med(aggs, "long-history", longest, me, "lastOverFirst");
    oks.push(drift === undefined ? undefined : drift <= 1.1);
    parts.push(`last/first at ${longest}: ${f(drift)}`);
    checks.push({
      target: "long history per-step <= half of DBOS, last100/first100 <= 1.1 at 10,000",
      met: all(oks),
      measured: parts.join("; "),
    });
  }
  {
    const v = variantsOf(aggs, "wakeup")[0] ?? "";
    const mine = med(aggs, "wakeup", v, me, "p50Ms");
    const d = med(aggs, "wakeup", v, "dbos", "p50Ms");
    checks.push({
      target: "wake-up p50 <= half of DBOS",
      met: mine === undefined || d === undefined ? undefined : mine <= d / 2,
      measured: `${f(mine)} ms vs DBOS ${f(d)} ms`,
    });
  }
  {
    const v = variantsOf(aggs, "throughput")[0] ?? "";
    const s = med(aggs, "throughput", v, me, "statementsPerWf");
    checks.push({
      target: "<= 10 statements per 3-step workflow",
      met: s === undefined ? undefined : s <= 10,
      measured: `${f(s, 1)} statements (${v}, BEGIN/COMMIT included)`,
    });
  }
  {
    const v = variantsOf(aggs, "cold-replay")[0] ?? "";
    const cold = med(aggs, "cold-replay", v, me, "coldMs");
    const events = med(aggs, "cold-replay", v, me, "historyEvents");
    const replay = med(aggs, "cold-replay", v, me, "replayOnlyMs");
    checks.push({
      target: "cold replay of 10,000 events < 100 ms",
      met: cold === undefined ? undefined : cold < 100,
      measured: `${f(cold, 0)} ms from signal to resumed code on a fresh engine, ${f(events, 0)} events (history read ${f(med(aggs, "cold-replay", v, me, "historyReadMs"), 0)} ms, replay alone ${f(replay, 0)} ms)`,
    });
  }
  {
    const v = variantsOf(aggs, "memory")[0] ?? "";
    const heap = med(aggs, "memory", v, me, "heapPerRunBytes");
    const rss = med(aggs, "memory", v, me, "rssGrowthPerRunBytes");
    checks.push({
      target: "< 5 KB per suspended run",
      met: heap === undefined ? undefined : heap < 5 * 1024,
      measured: `${f(heap, 0)} B of heap per run (held minus after eviction); RSS grew ${f(rss, 0)} B per run`,
    });
  }
  return checks;
}

/** The targets as a markdown table. */
export function targetTable(checks: readonly TargetCheck[]): string {
  return markdownTable(
    ["target", "met", "measured"],
    checks.map((c) => [
      c.target,
      c.met === undefined ? "not measured" : c.met ? "yes" : "**no**",
      c.measured,
    ]),
  );
}
