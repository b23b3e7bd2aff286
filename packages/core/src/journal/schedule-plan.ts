import { Cron } from "croner";
import { InvalidScheduleError } from "../errors/schedule-errors.ts";
import { MAX_INSTANT_MS } from "./instant-limits.ts";
import type { ScheduleSpec } from "./schedule-types.ts";

// Fire-time arithmetic, shared by every journal so that they cannot disagree. Cron patterns are
// read by croner (no dependencies, IANA zones through Intl, DST handled by the Open Cron Pattern
// Specification: a wall time skipped by a spring-forward fires once at the first instant after
// the gap, a fixed wall time repeated by a fall-back fires once, at its first occurrence).
// Every input instant is the journal clock's, so the database clock decides what is due.

const cache = new Map<string, Cron>();

/** The parsed pattern for (pattern, zone), cached: schedules fire the same patterns over and over. */
function cronOf(pattern: string, timezone: string): Cron {
  const key = `${timezone}\u0000${pattern}`;
  let cron = cache.get(key);
  if (cron === undefined) {
    cron = new Cron(pattern, { timezone, paused: true });
    if (cache.size > 1_000) cache.clear();
    cache.set(key, cron);
  }
  return cron;
}

/** The first fire time strictly after `afterMs`, or undefined when the spec has none (ever again). */
export function nextFireAfter(spec: ScheduleSpec, afterMs: number): number | undefined {
  if (spec.everyMs !== undefined) {
    const next = (Math.floor(afterMs / spec.everyMs) + 1) * spec.everyMs;
    return next > MAX_INSTANT_MS ? undefined : next;
  }
  if (spec.cron === undefined) return undefined;
  const next = cronOf(spec.cron, spec.timezone).nextRun(new Date(afterMs));
  return next === null ? undefined : next.getTime();
}

/**
 * Fire times in [fromMs, toMs], earliest first, at most `max` of them (backfills and catch-up
 * after downtime enumerate with this).
 */
export function fireTimesBetween(spec: ScheduleSpec, fromMs: number, toMs: number, max: number): number[] {
  const times: number[] = [];
  let at = nextFireAfter(spec, fromMs - 1);
  while (at !== undefined && at <= toMs && times.length < max) {
    times.push(at);
    at = nextFireAfter(spec, at);
  }
  return times;
}

/** The workflow id of a fire's run: the schedule's name and the fire time, so each fire has one run. */
export function fireWorkflowId(schedule: string, fireAt: number): string {
  return `${schedule}@${new Date(fireAt).toISOString()}`;
}

/** The fire's jitter in [0, jitterMs]: a hash of (schedule, fire time), the same on every engine. */
export function jitterOf(schedule: string, fireAt: number, jitterMs: number): number {
  if (jitterMs <= 0) return 0;
  return Number(BigInt.asUintN(32, fnv1a(`${schedule}@${fireAt}`)) % BigInt(Math.floor(jitterMs) + 1));
}

/** A stable hex digest of a text (FNV-1a, 64 bits): change detection, not security. */
export function stableHash(text: string): string {
  return fnv1a(text).toString(16).padStart(16, "0");
}

function fnv1a(text: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = BigInt.asUintN(64, hash * 0x100000001b3n);
  }
  return hash;
}

/**
 * Throws InvalidScheduleError unless the spec can fire: exactly one of cron / everyMs, a pattern
 * croner accepts, a zone Intl knows, whole non-negative durations.
 */
export function checkScheduleSpec(name: string, spec: ScheduleSpec): void {
  if ((spec.cron === undefined) === (spec.everyMs === undefined))
    throw new InvalidScheduleError(name, "cron/every", "give exactly one of cron and every");
  if (spec.everyMs !== undefined && !(Number.isSafeInteger(spec.everyMs) && spec.everyMs >= 1_000))
    throw new InvalidScheduleError(
      name,
      "every",
      `${String(spec.everyMs)} is not a whole number of ms >= 1000`,
    );
  for (const [option, value] of [
    ["catchupWindow", spec.catchupWindowMs],
    ["jitter", spec.jitterMs],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new InvalidScheduleError(name, option, `${String(value)} is not a whole number of ms >= 0`);
  }
  if (!["skip", "buffer_one", "allow", "cancel_other"].includes(spec.overlap))
    throw new InvalidScheduleError(
      name,
      "overlap",
      `${JSON.stringify(spec.overlap)} is not one of skip, buffer_one, allow, cancel_other`,
    );
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: spec.timezone });
  } catch {
    throw new InvalidScheduleError(
      name,
      "timezone",
      `${JSON.stringify(spec.timezone)} is not an IANA time zone`,
    );
  }
  if (spec.cron !== undefined) {
    try {
      cronOf(spec.cron, spec.timezone);
    } catch (error) {
      throw new InvalidScheduleError(name, "cron", error instanceof Error ? error.message : String(error));
    }
  }
}
