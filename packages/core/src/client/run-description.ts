import type { RunRecord } from "../journal/journal.ts";
import type { SerializedError } from "../model/payload.ts";
import { decode } from "../codec/index.ts";

/**
 * A run as the client shows it: the journal's run record with input and result decoded back
 * into user values. The error stays serialized (name, message, code, stack, cause chain) so it
 * can be shown or logged as is; `client.result()` rebuilds it into a typed error.
 */
export interface RunDescription<Input = unknown, Output = unknown> extends Omit<
  RunRecord,
  "input" | "result" | "error"
> {
  readonly input: Input;
  readonly result?: Output;
  readonly error?: SerializedError;
}

/** Decodes a run record's payloads for {@link RunDescription}. */
export function describeRun<Input = unknown, Output = unknown>(
  run: RunRecord,
): RunDescription<Input, Output> {
  const { input, result, ...rest } = run;
  const description: RunDescription<Input, Output> = {
    ...rest,
    input: decode(input, "input") as Input,
    ...(result === undefined ? {} : { result: decode(result, "result") as Output }),
  };
  return description;
}
