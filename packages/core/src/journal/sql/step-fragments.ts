import { sql, type RawBuilder } from "kysely";
import { dbNow, inList } from "./sql-fragments.ts";

// SQL pieces shared by commitStep's two forms (commit-step.ts: the checked transaction;
// commit-step-in-one-statement.ts: one statement gated on the run row's version).

/**
 * The end of a run, as CTEs: its waiting tasks (not detached ones, nor those the same statement
 * creates, which its snapshot does not see), its timers (SKIP LOCKED: one the timer wheel is
 * firing right now fires, and replay ignores it) and its inbox are dropped, when `gate` holds.
 */
export function endCleanup(runId: string, gate: RawBuilder<unknown> = sql`TRUE`): RawBuilder<unknown> {
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
export const notBeforeAfterDelivery: RawBuilder<unknown> = sql`CASE
  WHEN r.lease_owner IS NOT NULL AND r.last_seq > 1 AND r.not_before > ${dbNow} THEN NULL
  ELSE r.not_before END`;

/**
 * StepCommit.requireEmptyInbox for a step that delivered items (a hinted signal): every one of
 * `delivered` is still in the run's inbox and no older item is left undelivered. A boolean
 * expression; `delivered` must not be empty (then the rule is an empty inbox: `ready_since IS NULL`).
 */
export function inboxHoldsDelivered(runId: string, delivered: readonly number[]): RawBuilder<boolean> {
  return sql<boolean>`(
    (SELECT count(*) FROM continuum.inbox WHERE run_id = ${runId} AND id IN ${inList(delivered)}) = ${delivered.length}
    AND NOT EXISTS (SELECT 1 FROM continuum.inbox WHERE run_id = ${runId} AND id < ${Math.max(...delivered)} AND id NOT IN ${inList(delivered)}))`;
}
