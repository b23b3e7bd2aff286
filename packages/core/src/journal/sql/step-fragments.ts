import { sql, type RawBuilder } from "kysely";
import { inList } from "./sql-fragments.ts";

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
 * StepCommit.requireEmptyInbox for a step that delivered items (a hinted signal): every one of
 * `delivered` is still in the run's inbox and no older item is left undelivered. A boolean
 * expression; `delivered` must not be empty (then the rule is an empty inbox: `ready_since IS NULL`).
 */
export function inboxHoldsDelivered(runId: string, delivered: readonly number[]): RawBuilder<boolean> {
  return sql<boolean>`(
    (SELECT count(*) FROM continuum.inbox WHERE run_id = ${runId} AND id IN ${inList(delivered)}) = ${delivered.length}
    AND NOT EXISTS (SELECT 1 FROM continuum.inbox WHERE run_id = ${runId} AND id < ${Math.max(...delivered)} AND id NOT IN ${inList(delivered)}))`;
}
