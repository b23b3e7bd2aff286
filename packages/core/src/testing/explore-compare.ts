import type { HistoryEvent } from "../model/history-event.ts";
import { canonicalJson } from "./canonical-json.ts";
import type { CrashPointSpec, ExploredFault } from "./explore-crash-points.ts";

// How crash-point exploration compares an explored run with a clean one, and names its points.

/** What one explored run did, as `observe` reports it. */
export interface Observed {
  readonly result: unknown;
  readonly error: unknown;
  /** Further problems found after the run's drive ended (a wait reports only the first). */
  readonly problems: readonly string[];
  readonly struck: boolean;
  readonly history: readonly string[];
  readonly effects: Readonly<Record<string, number>>;
}

/** Whether `a` ended as `b` did: no failure, the same result and history. */
export const sameRun = (a: Observed, b: Observed): boolean =>
  a.error === undefined &&
  a.problems.length === 0 &&
  canonicalJson(a.result) === canonicalJson(b.result) &&
  firstDifference(b.history, a.history) === undefined;

/** Each difference of `crashed` from `clean`, in words. */
export function compare(crashed: Observed, clean: Observed): string[] {
  const differences: string[] = [];
  if (!crashed.struck) differences.push("the crash point was never reached (the run took another path)");
  if (crashed.error !== undefined)
    differences.push(
      `the run failed: ${crashed.error instanceof Error ? crashed.error.message : String(crashed.error)}`,
    );
  else if (canonicalJson(crashed.result) !== canonicalJson(clean.result))
    differences.push(
      `the result differs: ${canonicalJson(crashed.result)} instead of ${canonicalJson(clean.result)}`,
    );
  for (const problem of crashed.problems) differences.push(`then: ${problem}`);
  const historyDiff = firstDifference(clean.history, crashed.history);
  if (historyDiff !== undefined) differences.push(`the history differs ${historyDiff}`);
  for (const name of new Set([...Object.keys(clean.effects), ...Object.keys(crashed.effects)])) {
    const counts = { clean: clean.effects[name] ?? 0, crashed: crashed.effects[name] ?? 0 };
    if (counts.clean === counts.crashed) continue;
    differences.push(
      `${name} ran ${counts.crashed} time(s), ${counts.clean} in the clean run (give it an idempotency key, or make it idempotent)`,
    );
  }
  return differences;
}

/** A point and its fault, in words (the report's `description`). */
export function describePoint(point: CrashPointSpec, fault: ExploredFault): string {
  const where =
    point.kind === "after_step"
      ? `after step ${point.step}`
      : `after activity attempt ${point.attempt} ran, before its result was recorded`;
  switch (fault) {
    case "crash":
      return `crash ${where}`;
    case "lease_loss":
      return `lease lost ${where} (the engine paused there, another took the run over, then it resumed)`;
    case "redeploy":
      return `redeploy ${where} (crash, then the new code)`;
  }
}

/** History as compared: what the code did and saw, without times, sequence numbers or attempt counts. */
export function normalize(history: readonly HistoryEvent[]): string[] {
  return history.map((event) => {
    const { seq: _seq, at: _at, ...body } = event;
    const rest: Record<string, unknown> = { ...body };
    // versionHash: a run redeployed onto new code is compared with that code's clean run too.
    for (const volatile of ["attempts", "until", "nextRunId", "runId", "versionHash"]) delete rest[volatile];
    return canonicalJson(rest);
  });
}

/** Where two normalized histories first differ, in words; undefined when they do not. */
export function firstDifference(clean: readonly string[], crashed: readonly string[]): string | undefined {
  for (let i = 0; i < Math.max(clean.length, crashed.length); i++) {
    if (clean[i] !== crashed[i])
      return `at event ${i + 1}: ${crashed[i] ?? "(none)"} instead of ${clean[i] ?? "(none)"}`;
  }
  return undefined;
}

/** Up to `max` of `points`, chosen by a seeded generator (mulberry32), kept in order. */
export function sample<T>(points: readonly T[], max: number, seed: number): T[] {
  if (points.length <= max) return [...points];
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const indexes = points.map((_, i) => i);
  for (let i = indexes.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [indexes[i], indexes[j]] = [indexes[j]!, indexes[i]!];
  }
  return indexes
    .slice(0, max)
    .sort((a, b) => a - b)
    .map((i) => points[i]!);
}
