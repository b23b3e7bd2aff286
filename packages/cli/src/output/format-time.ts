import { UsageError } from "../cli-io.ts";

/** An instant as `2026-12-06 23:33:14Z` (UTC, seconds). */
export function formatInstant(ms: number | undefined): string {
  if (ms === undefined) return "-";
  return new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "Z");
}

/** A duration as `850ms`, `12s`, `5m 3s`, `2h 5m`, `3d 4h`. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${Math.round(abs)}ms`;
  const s = Math.floor(abs / 1000);
  if (s < 60) return `${sign}${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${sign}${m}m${s % 60 === 0 ? "" : ` ${s % 60}s`}`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${sign}${h}h${m % 60 === 0 ? "" : ` ${m % 60}m`}`;
  const d = Math.floor(h / 24);
  return `${sign}${d}d${h % 24 === 0 ? "" : ` ${h % 24}h`}`;
}

/** How long before `now` an instant was: `5m ago`, or `in 3s` for a future one. */
export function formatAge(ms: number | undefined, now: number): string {
  if (ms === undefined) return "-";
  return ms <= now ? `${formatDuration(now - ms)} ago` : `in ${formatDuration(ms - now)}`;
}

const units: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** A duration flag (`90s`, `15m`, `2h`, `7d`, `1w`, or plain milliseconds) in ms. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?$/.exec(text.trim());
  if (match === null)
    throw new UsageError(`${flag} ${JSON.stringify(text)}: expected a duration such as 90s, 15m, 2h, 7d`);
  return Math.round(Number(match[1]) * units[match[2] ?? "ms"]!);
}

/**
 * A time flag: an ISO date or date-time (`2026-12-01`, `2026-12-01T08:00Z`) or a duration ago
 * (`2h`, `7d`), in epoch ms.
 */
export function parseInstant(text: string, flag: string, now: number): number {
  if (/^\d+(?:\.\d+)?(ms|s|m|h|d|w)$/.test(text.trim())) return now - parseDuration(text, flag);
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new UsageError(
      `${flag} ${JSON.stringify(text)}: expected an ISO date (2026-12-01T08:00Z) or a duration ago (2h, 7d)`,
    );
  return ms;
}
