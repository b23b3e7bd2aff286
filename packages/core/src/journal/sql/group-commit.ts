import { checkOptionalNumber } from "../../validation/numbers.ts";

/** How group commit batches writes (see {@link createGroupCommit}). */
export interface GroupCommitOptions {
  /**
   * Statements of one kind (steps, starts) in flight at once (default 1). Writes that arrive
   * while this many are running wait and go out together in the next one, so the batch grows
   * with the load. One gave the most throughput in bench/ (2,000 3-step workflows, steps only:
   * 754 and 1,074 wf/s at 10 and 50 in flight, against 671 / 1,030 with two and 603 / 965 with
   * four); a lone write never waits either way.
   */
  readonly maxInFlight?: number;
  /** Writes in one statement at most (default 200): bounds its parameters and its lock set. */
  readonly maxBatch?: number;
  /**
   * A write that finds nothing in flight waits one turn of the event loop (`setImmediate`) for
   * company before it goes out (default false; openJournal sets it for PGlite). For a database
   * that runs in this thread, as PGlite does, a statement runs to its end within the call, so
   * nothing else can arrive while it runs and a batch would never form; writes made in the same
   * turn (the runs an engine steps after one statement's results) then leave together. In
   * bench/, 3-step workflows at 10 in flight: 245-286 to 419-465 wf/s on a data directory,
   * 377-390 to 515-551 in memory, latency p50 unchanged. Against a server it only adds the
   * turn: its batches form while statements travel.
   */
  readonly gatherOneTurn?: boolean;
}

/** The defaults of {@link GroupCommitOptions}. */
export const defaultGroupCommit = { maxInFlight: 1, maxBatch: 200, gatherOneTurn: false } as const;

/**
 * The options with their defaults, or `InvalidNumberError` for a count that is not a whole
 * number in range (NaN would leave every write waiting forever). openJournal checks them
 * before it connects.
 */
export function checkGroupCommitOptions(options: GroupCommitOptions): Required<GroupCommitOptions> {
  return {
    maxInFlight:
      checkOptionalNumber(options.maxInFlight, "groupCommit.maxInFlight", {
        min: 1,
        max: 1_000,
        integer: true,
      }) ?? defaultGroupCommit.maxInFlight,
    maxBatch:
      checkOptionalNumber(options.maxBatch, "groupCommit.maxBatch", { min: 1, max: 10_000, integer: true }) ??
      defaultGroupCommit.maxBatch,
    gatherOneTurn: options.gatherOneTurn === true,
  };
}

/** What group commit writes with: one write alone, or many in one statement. */
export interface GroupCommitWriters<W, R> {
  /** One write through its one-run path: its outcome, or its precise error. */
  readonly commitAlone: (write: W) => Promise<R>;
  /**
   * Many writes in one autocommit statement, all or nothing: each one's result in order,
   * undefined for one it did not write (which is then committed alone).
   */
  readonly commitBatch: (writes: readonly W[]) => Promise<(R | undefined)[]>;
  /**
   * Whether a failed batch wrote nothing for sure (the server refused the statement), so that
   * each write can be made alone. Otherwise (a lost connection, say, where the statement may
   * have committed) every write of the batch fails with the error, as one write alone would.
   * Default: every error.
   */
  readonly failedBeforeCommit?: (error: unknown) => boolean;
}

/** Group commit of one kind of write: see {@link createGroupCommit}. */
export interface GroupCommit<W, R> {
  /** Commits the write, alone or with others; the result (or error) is its own. */
  commit(write: W): Promise<R>;
}

interface Waiting<W, R> {
  readonly write: W;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for one kind of write of one journal (its steps, its starts): writes of many
 * runs committed by one statement when they arrive together. No write waits for company
 * (beyond one turn of the event loop with `gatherOneTurn`): one that finds fewer than
 * `maxInFlight` statements running goes out at once, alone, through `commitAlone` (the one-run
 * path), so a lightly loaded engine sees the latency of a lone commit. Under load, writes that arrive while the statements in flight run queue up and leave
 * together as one statement (`commitBatch`), so the batch grows with the load and each write
 * costs the server a share of one round trip, one executor setup and one commit.
 *
 * A write the batch did not take (its run moved on, or it needs the long path) and every write
 * of a batch statement the server refused (an error of one write, a deadlock) is committed
 * alone, so each caller gets its own outcome or precise error: a refused autocommit statement
 * wrote nothing. An error that cannot say whether the statement committed (a lost connection)
 * fails every write of the batch, as it would fail each alone.
 *
 * @example
 * ```ts
 * const steps = createGroupCommit({
 *   commitAlone: (step) => commitStep(db, step),
 *   commitBatch: (batch) => commitStepsInBatch(db, batch),
 * });
 * if (fitsBatch(db, step)) return steps.commit(step);
 * ```
 */
export function createGroupCommit<W, R>(
  writers: GroupCommitWriters<W, R>,
  options: GroupCommitOptions = {},
): GroupCommit<W, R> {
  const { commitAlone, commitBatch } = writers;
  const failedBeforeCommit = writers.failedBeforeCommit ?? (() => true);
  const { maxInFlight, maxBatch, gatherOneTurn } = checkGroupCommitOptions(options);
  let queue: Waiting<W, R>[] = [];
  let inFlight = 0;

  // Through a resolved promise, so that a writer that throws at once still settles its caller.
  const alone = (waiting: Waiting<W, R>): Promise<void> =>
    Promise.resolve(waiting.write).then(commitAlone).then(waiting.resolve, waiting.reject);

  const send = async (batch: readonly Waiting<W, R>[]): Promise<void> => {
    if (batch.length === 1) {
      await alone(batch[0] as Waiting<W, R>);
      return;
    }
    let results: (R | undefined)[];
    try {
      results = await commitBatch(batch.map((waiting) => waiting.write));
    } catch (error) {
      if (!failedBeforeCommit(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      // Nothing was written: each write alone gets its own outcome or error.
      void Promise.all(batch.map(alone));
      return;
    }
    batch.forEach((waiting, i) => {
      const result = results[i];
      if (result === undefined) void alone(waiting);
      else waiting.resolve(result);
    });
  };

  const pump = (): void => {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      inFlight += 1;
      void send(batch).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  };

  let gathering = false;
  const gather = (): void => {
    gathering = false;
    pump();
  };

  return {
    commit(write) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ write, resolve, reject });
        if (gatherOneTurn && inFlight === 0) {
          if (!gathering) {
            gathering = true;
            setImmediate(gather);
          }
          return;
        }
        pump();
      });
    },
  };
}
