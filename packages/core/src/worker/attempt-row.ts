import type { Journal, TaskAttemptRef, TaskClaim } from "../journal/journal.ts";

/**
 * The task row of a running attempt, as far as its engine knows: an in-process attempt
 * (`NewTask.inProcess`) has none until it needs one, and then gets it once
 * (`Journal.persistAttempts`). Whatever needs the row (a retry, a heartbeat, a timeout, a
 * hand-back, a report that its run's step could not take) asks {@link AttemptRow.persist}
 * first and uses {@link AttemptRow.claim} after.
 */
export interface AttemptRow {
  /** The attempt's claim: after a persist, the same attempt without `inProcess`. */
  readonly claim: TaskClaim;
  /**
   * True while the attempt runs in-process without a row: until a persist of it committed, or
   * it was found stale. A persist may be under way (see {@link AttemptRow.settled}).
   */
  readonly inProcess: boolean;
  /**
   * Writes the row if the attempt has none (once; later calls share the first one's answer).
   * Resolves true when the attempt has its row, false when its run no longer lists it (a step
   * finished it, or an engine that took the run over re-issued it) or the run is not its
   * engine's: the attempt must then not be reported. Rejects when the journal did not answer;
   * a later call tries again.
   */
  persist(): Promise<boolean>;
  /** Resolves once no persist is under way (whatever its answer). */
  settled(): Promise<void>;
  /** The run no longer lists the attempt: it is not in-process any more, and never persisted. */
  markStale(): void;
}

/** The {@link AttemptRow} of `claim`, run by `owner`. */
export function attemptRow(
  claim: TaskClaim,
  journal: Journal,
  owner: string,
  attemptLeaseMs: number | undefined,
): AttemptRow {
  let current = claim;
  let stale = false;
  let persisting: Promise<boolean> | undefined;
  return {
    get claim() {
      return current;
    },
    get inProcess() {
      return current.inProcess === true && !stale;
    },
    persist() {
      if (claim.inProcess !== true) return Promise.resolve(true);
      if (stale) return Promise.resolve(false);
      persisting ??= journal
        .persistAttempts({
          owner,
          attempts: [claim],
          ...(attemptLeaseMs === undefined ? {} : { attemptLeaseMs }),
        })
        .then(
          (written) => {
            if (!written.includes(claim.taskId)) {
              stale = true;
              return false;
            }
            const { inProcess: _dropped, ...rest } = claim;
            current = rest;
            return true;
          },
          (error: unknown) => {
            // Not answered (a journal blip): the next call tries again.
            persisting = undefined;
            throw error;
          },
        );
      return persisting;
    },
    async settled() {
      await persisting?.catch(() => undefined);
    },
    markStale() {
      stale = true;
    },
  };
}

/** The reference that `finishTask`, heartbeats and a step's `finishTasks` take. */
export function attemptRef(claim: TaskClaim): TaskAttemptRef {
  const ref = { taskId: claim.taskId, attempt: claim.attempt, attemptToken: claim.attemptToken };
  return claim.inProcess === true ? { ...ref, inProcess: true, identity: claim.identity } : ref;
}
