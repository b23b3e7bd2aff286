import { InvalidEffectArgumentError } from "../errors/workflow-errors.ts";
import { stampedEffect } from "./stamped-effect.ts";
import type { Effect } from "./stamped-effect.ts";

/** Log levels, most verbose first. */
export const LogLevel = { debug: "debug", info: "info", warn: "warn", error: "error" } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** Signature of {@link log}. */
export interface LogEffect {
  (message: string, data?: unknown): void;
  (level: LogLevel, message: string, data?: unknown): void;
}

function isLevel(value: unknown): value is LogLevel {
  return typeof value === "string" && Object.hasOwn(LogLevel, value);
}

/**
 * Replay-safe logging: the entry is printed by the engine's logger (and emitted as the
 * `workflow.log` event) when the workflow runs live, and dropped while it replays history, so
 * every line is logged once per live execution.
 * The level defaults to `info`; the level form is recognised when the first argument is a
 * level name and the second a string.
 *
 * @example
 * ```ts
 * log("charging", { orderId });
 * log("warn", "review timed out", { orderId });
 * ```
 */
export const log: Effect<LogEffect> = stampedEffect<LogEffect>("log", (host, cursor, args) => {
  const [first, second, third] = args as unknown[];
  const leveled = isLevel(first) && typeof second === "string";
  const level = leveled ? first : LogLevel.info;
  const message = leveled ? second : first;
  const data = leveled ? third : second;
  if (typeof message !== "string") {
    throw new InvalidEffectArgumentError(
      "log",
      "message",
      `must be a string, got ${typeof message}`,
      'log("message", data) or log("warn", "message", data)',
    );
  }
  host.log(cursor, level, message, data);
});
