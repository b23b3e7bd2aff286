import { ContinuumError } from "./continuum-error.ts";
import { ErrorCode } from "./error-code.ts";

/**
 * A test environment was asked to move time (skip to a timer, `advanceTime`, wait out a crashed
 * engine's leases) on a journal whose clock it does not control: a `Journal` object passed to
 * `createTestEnvironment({ journal })` rather than a kind or a journal from `openTestJournal()`.
 */
export class TestClockUnavailableError extends ContinuumError<{ operation: string; untilMs: number }> {
  constructor(operation: string, untilMs: number) {
    super(
      ErrorCode.TestClockUnavailable,
      `${operation} needs to move the journal's clock to ${new Date(untilMs).toISOString()}, but this test environment runs on a journal object whose clock it does not control`,
      {
        data: { operation, untilMs },
        hint: 'pass a journal from openTestJournal("memory" | "pglite" | url) (or the kind itself) to move time; on this journal use waitFor(..., { skipTime: false }), settle() and restart({ sameOwner: true }), which do not',
      },
    );
  }
}
