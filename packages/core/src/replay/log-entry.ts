import { encode } from "../codec/index.ts";
import type { Encoded } from "../model/index.ts";
import type { LogLevel } from "../workflow/log.ts";
import type { LogSink } from "./execution-contract.ts";

/**
 * What a `log()` call hands to the {@link LogSink}. Data the codec cannot encode is described
 * instead: a log call must not fail the workflow that makes it.
 */
export function logEntry(
  runId: string,
  level: LogLevel,
  message: string,
  data: unknown,
): Parameters<LogSink>[0] {
  let encoded: Encoded | undefined;
  if (data !== undefined) {
    try {
      encoded = encode(data, "log.data");
    } catch (error) {
      encoded = { unserializable: error instanceof Error ? error.message : String(error) };
    }
  }
  return { runId, level, message, ...(encoded === undefined ? {} : { data: encoded }) };
}
