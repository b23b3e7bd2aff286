import { TestKitError } from "../errors/engine-errors.ts";
import type { ManualEngine } from "../worker/manual-engine.ts";
import type { TestJournal } from "./test-journal.ts";

/** What the drive loop reads from its test environment (the engine changes at each restart). */
export interface DriveContext {
  readonly testJournal: TestJournal;
  readonly maxRounds: number;
  /** How long an attempt may run without settling before the loop looks at timers instead. */
  readonly idleActivityMs: number;
  readonly engine: () => ManualEngine;
  /** An armed crash struck and its restart is pending. */
  readonly crashPending: () => boolean;
  /** An engine is paused at a lease-loss point (see `resumeZombie`). */
  readonly leaseLossPending: () => boolean;
  /** One engine round; true when it (or an attempt settling during it) made progress. */
  readonly roundSeeingAttempts: () => Promise<boolean>;
  /** Ends a lease loss: the paused engine wakes up and what it wrote is checked. */
  readonly resumeZombie: () => Promise<void>;
  /** Throws the oldest engine problem not thrown yet. */
  readonly throwProblems: () => void;
}

/** Drives until `done()`; false when nothing more can happen (without moving time when `skipTime` is off). */
export type Drive = (done: () => Promise<boolean>, skipTime: boolean) => Promise<boolean>;

/**
 * The test environment's drive loop: engine rounds until the condition holds, waiting for
 * running activity attempts, and skipping time to the next timer, retry or deadline (when
 * `skipTime`), since no engine runs in the background and no wall clock is waited out.
 */
export function createDrive(context: DriveContext): Drive {
  const { testJournal, maxRounds, idleActivityMs } = context;
  const { journal, timers } = testJournal;
  return async (done, skipTime) => {
    for (let i = 0; i < maxRounds; i++) {
      context.throwProblems();
      if (await done()) {
        if (!context.leaseLossPending()) return true;
        // A lease loss is checked before the wait ends: the paused engine wakes up first.
        await context.resumeZombie();
        context.throwProblems();
        return true;
      }
      if (await context.roundSeeingAttempts()) continue;
      if (context.engine().activeAttempts > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const settled = await Promise.race([
          context
            .engine()
            .whenAnyAttemptSettles()
            .then(() => true),
          new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), idleActivityMs))),
        ]);
        clearTimeout(timer);
        if (settled || context.crashPending()) continue;
        // Every attempt has its outcome and is writing it (a slow database, a busy machine): that
        // is no hanging activity, so wait for it rather than move the clock under it.
        if (context.engine().attemptsInActivityCode === 0) {
          await context.engine().whenAnyAttemptSettles();
          continue;
        }
      }
      context.throwProblems();
      const next = earliest(await journal.nextDueAt(), timers.nextAt());
      if ((next === undefined || !skipTime) && context.leaseLossPending()) {
        // Nothing else can happen: the paused engine wakes up (it may have work to finish).
        await context.resumeZombie();
        continue;
      }
      if (next === undefined) return false;
      if (next <= (await testJournal.now())) {
        // Became due in real time since the round (SQL clocks run): one more round decides.
        if (await context.roundSeeingAttempts()) continue;
        return false;
      }
      if (!skipTime) return false;
      await testJournal.advanceTo(next, "skipping time to the next timer, retry or deadline (skipTime)");
      // The lease keeper's job: a jump of the clock must not take the runs from their engine.
      await context.engine().renewLeases();
    }
    throw new TestKitError(
      `the engine was still busy after ${maxRounds} rounds`,
      { maxRounds },
      "a workflow may loop forever (e.g. sleeping in an endless loop); raise maxRounds if it is just long",
    );
  };
}

/** The earlier of two optional instants. */
export function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
