import { connectionSecrets, redactSecrets } from "../errors/redact-connection-string.ts";
import type { LogLevel } from "../workflow/log.ts";

// One set of levels for workflow log() and the engine's lines.
export type { LogLevel } from "../workflow/log.ts";

const rank: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Structured fields of one log line (ids, names, counts, an error code): JSON-safe values. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * A logger the engine can write to: one method per level, called as `(fields, message)`, the
 * convention of pino and bunyan, so a pino logger (or a child of one) is passed as is. For a
 * logger that takes the message first (winston, console), wrap it with {@link messageFirstLogger}.
 *
 * @example
 * ```ts
 * import pino from "pino";
 * const engine = createEngine({ journal, workflows, logger: pino() });
 * ```
 */
export interface LoggerLike {
  debug(fields: LogFields, message: string): unknown;
  info(fields: LogFields, message: string): unknown;
  warn(fields: LogFields, message: string): unknown;
  error(fields: LogFields, message: string): unknown;
}

/** A logger whose methods take the message first, then fields: winston, console. */
export interface MessageFirstLogger {
  debug(message: string, fields: LogFields): unknown;
  info(message: string, fields: LogFields): unknown;
  warn(message: string, fields: LogFields): unknown;
  error(message: string, fields: LogFields): unknown;
}

/**
 * Adapts a message-first logger (winston, `console`) to {@link LoggerLike}.
 *
 * @example
 * ```ts
 * const engine = createEngine({ journal, workflows, logger: messageFirstLogger(winston.createLogger(...)) });
 * ```
 */
export function messageFirstLogger(target: MessageFirstLogger): LoggerLike {
  return {
    debug: (fields, message) => target.debug(message, fields),
    info: (fields, message) => target.info(message, fields),
    warn: (fields, message) => target.warn(message, fields),
    error: (fields, message) => target.error(message, fields),
  };
}

/** What the engine writes its lines through: level-filtered, and never throwing into the caller. */
export interface EngineLog {
  readonly level: LogLevel | "silent";
  enabled(level: LogLevel): boolean;
  log(level: LogLevel, message: string, fields?: LogFields): void;
}

/** An {@link EngineLog} that drops everything (`logger: false`). */
export const silentLog: EngineLog = { level: "silent", enabled: () => false, log: () => {} };

/**
 * Wraps `target` so that lines below `level` are dropped before they are built, the message and
 * string fields reach it with connection strings and database passwords masked (whatever the
 * logger), and a logger that throws costs a lost line rather than an engine error.
 */
export function createEngineLog(target: LoggerLike, level: LogLevel): EngineLog {
  const threshold = rank[level];
  const secrets = connectionSecrets(undefined);
  const redact = (text: string): string => redactSecrets(text, secrets);
  return {
    level,
    enabled: (candidate) => rank[candidate] >= threshold,
    log(candidate, message, fields = {}) {
      if (rank[candidate] < threshold) return;
      try {
        const masked: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(fields))
          masked[key] = typeof value === "string" ? redact(value) : value;
        target[candidate](masked, redact(message));
      } catch {
        // a broken logger must not break the engine; there is nowhere else to report it
      }
    },
  };
}

/** Whether `value` is one of the {@link LogLevel}s. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === "string" && Object.hasOwn(rank, value);
}
