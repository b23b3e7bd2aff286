import { connectionSecrets, redactSecrets } from "../errors/redact-connection-string.ts";
import type { LogFields, LoggerLike, LogLevel } from "./logger.ts";

/** Where the console logger writes: `process.stderr` by default. */
export interface LogStream {
  write(line: string): unknown;
  readonly isTTY?: boolean;
}

/** Options of {@link createConsoleLogger}. */
export interface ConsoleLoggerOptions {
  /**
   * `"json"`: one JSON object per line (`level`, `time`, `msg`, then the fields), for log
   * pipelines. `"pretty"`: `time LEVEL message key=value ...`, coloured on a TTY. Default: json
   * when `NODE_ENV=production`, else pretty.
   */
  readonly format?: "json" | "pretty";
  readonly stream?: LogStream;
  /** Current time; tests pass a fixed one. */
  readonly now?: () => Date;
}

const colours: Readonly<Record<LogLevel, string>> = {
  debug: "\u001b[90m",
  info: "\u001b[36m",
  warn: "\u001b[33m",
  error: "\u001b[31m",
};
const reset = "\u001b[0m";

/**
 * The default logger: one line per call on stderr, JSON or pretty (see
 * {@link ConsoleLoggerOptions.format}). Every line goes through `redactSecrets`, so a
 * connection string or password that reached a message or a field is masked.
 *
 * @example
 * ```ts
 * const engine = createEngine({ journal, workflows, logger: createConsoleLogger({ format: "json" }) });
 * ```
 */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): LoggerLike {
  const stream = options.stream ?? process.stderr;
  const format = options.format ?? (process.env["NODE_ENV"] === "production" ? "json" : "pretty");
  const colour = format === "pretty" && stream.isTTY === true;
  const now = options.now ?? (() => new Date());
  const secrets = connectionSecrets(undefined);
  const line =
    (level: LogLevel) =>
    (fields: LogFields, message: string): void => {
      const time = now();
      const text =
        format === "json"
          ? JSON.stringify({ level, time: time.toISOString(), msg: message, ...plain(fields) })
          : prettyLine(level, time, message, fields, colour);
      stream.write(`${redactSecrets(text, secrets)}\n`);
    };
  return { debug: line("debug"), info: line("info"), warn: line("warn"), error: line("error") };
}

/** `12:03:04.567 WARN  message key=value key="two words"` (fields the message shows are left out). */
export function prettyLine(
  level: LogLevel,
  time: Date,
  message: string,
  fields: LogFields,
  colour = false,
): string {
  const label = level.toUpperCase().padEnd(5);
  const text = oneLine(message);
  // A person reads the message: fields it already shows (ids, names, the error) are not repeated.
  const pairs = Object.entries(plain(fields))
    .filter(([, value]) => typeof value === "object" || !text.includes(String(value)))
    .map(([key, value]) => ` ${key}=${prettyValue(value)}`)
    .join("");
  const head = colour ? `${colours[level]}${label}${reset}` : label;
  return `${time.toISOString().slice(11, 23)} ${head} ${text}${pairs}`;
}

function prettyValue(value: unknown): string {
  if (typeof value === "string") return /^[\w.:/@#-]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** A log line is one line: newlines in messages (stack-like text) are folded. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " | ");
}

/** Fields as JSON can carry them: undefined dropped, errors as their name and message. */
function plain(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out[key] = value instanceof Error ? `${value.name}: ${oneLine(value.message)}` : (value as unknown);
  }
  return out;
}
