import { ContinuumError } from "./continuum-error.ts";
import { ErrorCode } from "./error-code.ts";

/**
 * A queue definition or a queued start combines options that mean nothing together (a debounce
 * without a dedupe key, a rate limit without its period, a queue on an eager or transactional
 * path that cannot honour it).
 */
export class InvalidQueueOptionError extends ContinuumError<{ queue: string; problem: string }> {
  constructor(queue: string, problem: string, hint: string) {
    super(ErrorCode.InvalidQueueOption, `queue ${JSON.stringify(queue)}: ${problem}`, {
      data: { queue, problem },
      hint,
    });
  }
}
