import { stampedEffect } from "./stamped-effect.ts";
import type { Effect } from "./stamped-effect.ts";

/**
 * The current time, from the journal's clock: recorded the first time the call runs and
 * returned unchanged on every replay. All calls made in one step see the same instant.
 *
 * @example
 * ```ts
 * const placedAt = now();
 * ```
 */
export const now: Effect<() => Date> = stampedEffect<() => Date>(
  "now",
  (host, cursor) => new Date(host.recordValue(cursor, (clock) => clock) as number),
);

/** Today's date in UTC as `YYYY-MM-DD`, from the journal's clock; recorded like {@link now}. */
export const today: Effect<() => string> = stampedEffect<() => string>("today", (host, cursor) =>
  String(host.recordValue(cursor, (clock) => new Date(clock).toISOString().slice(0, 10))),
);

/** A random RFC 4122 version 4 UUID, recorded once and replayed unchanged. */
export const uuid4: Effect<() => string> = stampedEffect<() => string>("uuid4", (host, cursor) =>
  String(host.recordValue(cursor, randomUuid)),
);

/** A random number in [0, 1), recorded once and replayed unchanged. */
export const random: Effect<() => number> = stampedEffect<() => number>("random", (host, cursor) =>
  Number(host.recordValue(cursor, () => Math.random())),
);

function randomUuid(): string {
  const webCrypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (typeof webCrypto?.randomUUID === "function") return webCrypto.randomUUID();
  // Runtimes without Web Crypto: the value is recorded, so its quality only matters once.
  const hex = Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16));
  hex[12] = "4";
  hex[16] = ((Math.floor(Math.random() * 4) + 8) as number).toString(16);
  const s = hex.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
