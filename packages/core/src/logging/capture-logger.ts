import type { LogFields, LoggerLike, LogLevel } from "./logger.ts";

/** One line a {@link captureLogger} kept. */
export interface CapturedLog {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: LogFields;
}

/**
 * A logger that keeps lines in `into` instead of printing them: the test kit's `env.logs`, and
 * `createEngine({ logger: captureLogger(lines) })` in a test that asserts what an engine logs.
 */
export function captureLogger(into: CapturedLog[]): LoggerLike {
  const keep =
    (level: LogLevel) =>
    (fields: LogFields, message: string): void => {
      into.push({ level, message, fields });
    };
  return { debug: keep("debug"), info: keep("info"), warn: keep("warn"), error: keep("error") };
}
