import { sql, type SqlTemplate } from "./sql-template.ts";
import type { NewTimer } from "../journal.ts";
import { storableInstant } from "../instant-limits.ts";
import { dbNow, dbNowPlus, fromEpochMs, inList } from "./sql-fragments.ts";

// SQL pieces shared by commitStep's two forms (commit-step.ts: the checked transaction;
// commit-step-in-one-statement.ts: one statement gated on the run row's version) and by the
// start with its first step (start-with-first-step.ts).

/**
 * A timer's fire time: `until` as given (clamped to the last storable instant), or `delayMs`
 * from the journal clock. Throws InvalidDurationError for NaN, before anything is written.
 */
export function timerFireAt(timer: NewTimer): SqlTemplate<unknown> {
  return timer.until !== undefined
    ? fromEpochMs(storableInstant("timer until", timer.until))
    : dbNowPlus("timer delayMs", timer.delayMs ?? 0);
}

/**
 * `new_timers AS (INSERT ...)`: a step's timers for run `runId` (an SQL expression over
 * `source`), one per row of `source` (the statement's gate: the run row written). A timer
 * already set under its identity is kept.
 */
export function newTimersCte(
  timers: readonly NewTimer[],
  runId: SqlTemplate<unknown>,
  source: SqlTemplate<unknown>,
): SqlTemplate<unknown> {
  const rows = timers.map((t) => sql`(${t.identity}::text, ${timerFireAt(t)})`);
  return sql`new_timers AS (
      INSERT INTO continuum.timers (run_id, identity, fire_at, created_at)
      SELECT ${runId}, v.identity, v.fire_at, ${dbNow} FROM ${source}, (VALUES ${sql.join(rows)}) AS v(identity, fire_at)
      ON CONFLICT (run_id, identity) DO NOTHING)`;
}

/**
 * The end of a run, as CTEs: its waiting tasks (not detached ones, nor those the same statement
 * creates, which its snapshot does not see), its timers (SKIP LOCKED: one the timer wheel is
 * firing right now fires, and replay ignores it) and its inbox are dropped, when `gate` holds.
 */
export function endCleanup(runId: string, gate: SqlTemplate<unknown> = sql`TRUE`): SqlTemplate<unknown> {
  return sql`
    end_tasks AS (DELETE FROM continuum.tasks WHERE run_id = ${runId} AND status = 'pending' AND NOT detached AND ${gate}),
    end_timers AS (
      DELETE FROM continuum.timers WHERE (run_id, identity) IN (
        SELECT run_id, identity FROM continuum.timers WHERE run_id = ${runId} AND ${gate} FOR UPDATE SKIP LOCKED)
    ),
    end_inbox AS (DELETE FROM continuum.inbox WHERE run_id = ${runId} AND ${gate})`;
}

/**
 * `not_before` of run `r` after a delivery to its inbox (a signal, an activity's result, a
 * timer): a run that stepped inside its eager window (see commit-step-in-one-statement.ts) is
 * deferred by it only while it has nothing to do, so a delivery ends the window and the run is
 * claimable at once. Any other deferral stays: a release's backoff, a delayed or queued start
 * (none holds a lease), and an eager start before its first step (`last_seq` 1: its own step is
 * about to run and will see the item). A run with a lease held and a step taken can be deferred
 * only by that window, since a claim never takes a deferred run.
 */
export const notBeforeAfterDelivery: SqlTemplate<unknown> = sql`CASE
  WHEN r.lease_owner IS NOT NULL AND r.last_seq > 1 AND r.not_before > ${dbNow} THEN NULL
  ELSE r.not_before END`;

/**
 * StepCommit.requireEmptyInbox for a step that delivered items (a hinted signal): every one of
 * `delivered` is still in the run's inbox and no older item is left undelivered. A boolean
 * expression; `delivered` must not be empty (then the rule is an empty inbox: `ready_since IS NULL`).
 */
export function inboxHoldsDelivered(runId: string, delivered: readonly number[]): SqlTemplate<boolean> {
  return sql<boolean>`(
    (SELECT count(*) FROM continuum.inbox WHERE run_id = ${runId} AND id IN ${inList(delivered)}) = ${delivered.length}
    AND NOT EXISTS (SELECT 1 FROM continuum.inbox WHERE run_id = ${runId} AND id < ${Math.max(...delivered)} AND id NOT IN ${inList(delivered)}))`;
}
