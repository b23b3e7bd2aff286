import { RunStatus } from "../model/run-status.ts";

// Page sizes and defaults of the read model, shared by both adapters so they answer alike.

/** A runs page: default 50, between 1 and 1000. */
export function runPageLimit(limit: number | undefined): number {
  return clamp(limit, 50, 1000);
}

/** A history page: default 200, between 1 and 5000. */
export function historyPageLimit(limit: number | undefined): number {
  return clamp(limit, 200, 5000);
}

/** Samples per health finding: default 20, between 0 and 1000. */
export function sampleLimit(limit: number | undefined): number {
  return limit === undefined || !Number.isFinite(limit) ? 20 : Math.min(1000, Math.max(0, Math.trunc(limit)));
}

/** How long a condition must hold before the health report counts it: default 60 s. */
export function staleAfter(ms: number | undefined): number {
  return ms === undefined || !Number.isFinite(ms) ? 60_000 : Math.max(0, Math.trunc(ms));
}

/** Zero runs in every status. */
export function emptyCounts(): Record<RunStatus, number> {
  return Object.fromEntries(Object.values(RunStatus).map((status) => [status, 0])) as Record<
    RunStatus,
    number
  >;
}

function clamp(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.min(max, Math.max(1, Math.trunc(limit)));
}
