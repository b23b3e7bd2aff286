import { InvalidEngineOptionError } from "../errors/engine-errors.ts";
import { describeValue } from "../validation/index.ts";
import { createConsoleLogger } from "./console-logger.ts";
import {
  createEngineLog,
  isLogLevel,
  silentLog,
  type EngineLog,
  type LoggerLike,
  type LogLevel,
} from "./logger.ts";

/** The logging options shared by createEngine (and the test kit). */
export interface LogOptions {
  /**
   * Where the engine's lines go: a pino/bunyan-style logger (`(fields, message)` per level; wrap
   * winston or console with `messageFirstLogger`), or `false` for none. Default: one line per
   * entry on stderr (see `createConsoleLogger`).
   */
  readonly logger?: LoggerLike | false;
  /**
   * Lines below this level are not written. Default: the `CONTINUUM_LOG_LEVEL` environment
   * variable (`debug`, `info`, `warn`, `error` or `silent`), else `"info"`.
   */
  readonly logLevel?: LogLevel;
  /** Format of the default logger: default `"json"` when `NODE_ENV=production`, else `"pretty"`. */
  readonly logFormat?: "json" | "pretty";
}

/** Checks the logging options and builds the engine's {@link EngineLog}. */
export function resolveEngineLog(options: LogOptions): EngineLog {
  if (options.logLevel !== undefined && !isLogLevel(options.logLevel))
    throw new InvalidEngineOptionError(
      "logLevel",
      describeValue(options.logLevel),
      '"debug", "info", "warn" or "error"',
    );
  const fromEnv = process.env["CONTINUUM_LOG_LEVEL"]?.trim().toLowerCase();
  if (options.logLevel === undefined && fromEnv === "silent") return silentLog;
  const level = options.logLevel ?? (isLogLevel(fromEnv) ? fromEnv : "info");
  if (options.logFormat !== undefined && options.logFormat !== "json" && options.logFormat !== "pretty")
    throw new InvalidEngineOptionError("logFormat", describeValue(options.logFormat), '"json" or "pretty"');
  if (options.logger === false) return silentLog;
  if (options.logger === undefined)
    return createEngineLog(
      createConsoleLogger(options.logFormat === undefined ? {} : { format: options.logFormat }),
      level,
    );
  const logger = options.logger as Partial<Record<LogLevel, unknown>> | null;
  if (
    logger === null ||
    typeof logger !== "object" ||
    !(["debug", "info", "warn", "error"] as const).every((name) => typeof logger[name] === "function")
  )
    throw new InvalidEngineOptionError(
      "logger",
      describeValue(options.logger),
      "an object with debug, info, warn and error methods (pino, bunyan; messageFirstLogger(winston)), or false",
    );
  // Methods are called on the logger itself: pino's need their `this`.
  return createEngineLog(options.logger, level);
}
