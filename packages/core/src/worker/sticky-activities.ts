import type { StepCommit, StepCommitResult } from "../journal/journal.ts";
import type { ActivityPool, FinishLocally } from "./activity-pool.ts";
import type { EngineTimers } from "./engine-timers.ts";
import type { InProcessAttempts } from "./lost-attempts.ts";

/**
 * The sticky fast path's side of a step commit (see RunStepper): which of the step's tasks are
 * created claimed by this engine, and starting them once the commit returned their claims.
 */
export interface StickyActivities extends InProcessAttempts {
  /**
   * Marks the step's tasks to be created claimed by us: only when the execution stays cached
   * (`keep`), and only as many as the pool has code and free slots for (the slots are held
   * until the commit answers: give them to {@link StickyActivities.start} or `pool.unreserve`).
   */
  claimFor(commit: StepCommit, keep: boolean): { commit: StepCommit; reserved: number };
  /** Starts the claimed tasks in the held slots and gives back the slots left unused. */
  start(committed: StepCommitResult, reserved: number, finishLocally: FinishLocally): void;
  /** Gives back held slots (the commit failed). */
  unreserve(reserved: number): void;
}

/** Creates {@link StickyActivities} over `pool`; without a pool nothing is ever claimed at commit. */
export function createStickyActivities(pool: ActivityPool | undefined): StickyActivities {
  return {
    claimFor(commit, keep) {
      if (pool === undefined || !keep || commit.tasks.length === 0) return { commit, reserved: 0 };
      // A task routed to a named queue is claimed only under the queue's lock (claimQueuedTasks).
      const sticky = (task: (typeof commit.tasks)[number]): boolean =>
        task.options.queue === undefined && pool.runs(task.activityName);
      const runnable = commit.tasks.filter(sticky).length;
      let reserved = pool.reserve(runnable);
      if (reserved === 0) return { commit, reserved: 0 };
      let left = reserved;
      const tasks = commit.tasks.map((task) => {
        if (left === 0 || !sticky(task)) return task;
        left -= 1;
        // In-process when the journal allows it (runsInProcess): no task row for this attempt.
        return { ...task, claim: true as const, inProcess: true as const };
      });
      reserved -= left;
      const lease = pool.attemptLeaseMs === undefined ? {} : { attemptLeaseMs: pool.attemptLeaseMs };
      return { commit: { ...commit, tasks, ...lease }, reserved };
    },
    start(committed, reserved, finishLocally) {
      if (pool === undefined) return;
      const claims = committed.claimedTasks ?? [];
      for (const claim of claims.slice(0, reserved)) pool.startReserved(claim, finishLocally);
      if (reserved > claims.length) pool.unreserve(reserved - claims.length);
    },
    unreserve(reserved) {
      pool?.unreserve(reserved);
    },
    inProcessOf: (runId) => pool?.inProcessOf(runId) ?? [],
    settleRun: (runId) => pool?.settleRun(runId) ?? Promise.resolve(),
    abandonStale: (runId, identities) => pool?.abandonStale(runId, identities),
  };
}

/**
 * The journal clock between two readings: a step started by a finished attempt (not by a
 * claim) has no journal "now" of its own, so it is told from the latest commit's or claim's,
 * plus the local time elapsed since (never moving backwards). A reading is the journal's
 * transaction time and may reach the engine late (a statement that waited for a lock, a busy
 * event loop): it only moves the clock when it is ahead of what the clock already tells, so
 * the clock stays monotonic and still never runs ahead of the journal's.
 */
export interface JournalClock {
  saw(journalNow: number): void;
  now(): number;
}

/** Creates a {@link JournalClock} on the engine's local timers. */
export function createJournalClock(timers: EngineTimers): JournalClock {
  let at = { journal: Number.NEGATIVE_INFINITY, local: 0 };
  return {
    saw(journalNow) {
      const local = timers.now();
      if (journalNow >= at.journal + Math.max(0, local - at.local)) at = { journal: journalNow, local };
    },
    now: () => at.journal + Math.max(0, timers.now() - at.local),
  };
}
