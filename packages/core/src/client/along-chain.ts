import type { Journal } from "../journal/journal.ts";
import { isContinuumError } from "../errors/continuum-error.ts";
import { ErrorCode } from "../errors/error-code.ts";
import { RunStatus } from "../model/run-status.ts";

/**
 * Runs `send` against `runId`, and when that run has continued as new meanwhile, against its
 * successor, to the end of the chain: a signal or cancellation addressed to a chain is never
 * refused because it raced a handover (the refused attempt wrote nothing).
 */
export async function alongChain<T>(
  journal: Journal,
  runId: string,
  send: (runId: string) => Promise<T>,
): Promise<T> {
  let current = runId;
  for (;;) {
    try {
      return await send(current);
    } catch (error) {
      if (!isContinuumError(error, ErrorCode.RunFinished)) throw error;
      const run = await journal.getRun(current);
      if (run?.status !== RunStatus.continued || run.continuedTo === undefined) throw error;
      current = run.continuedTo;
    }
  }
}
