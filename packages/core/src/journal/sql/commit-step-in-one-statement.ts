import { sql, type SqlTemplate } from "./sql-template.ts";
import { isTerminal } from "../../model/index.ts";
import { NotifyTopic } from "../notifier.ts";
import type { StepCommit, StepCommitResult } from "../journal.ts";
import { splitEvent } from "./rows.ts";
import { prepareTasks, type InsertedTask } from "./create-tasks.ts";
import { finishedTasksParts } from "./finish-task.ts";
import { inProcessChange } from "../in-process-attempts.ts";
import { inProcessAssignments, inProcessListed } from "./in-process-calls.ts";
import { endCleanup, inboxHoldsDelivered, newTimersCte } from "./step-fragments.ts";
import {
  channelOf,
  dbNow,
  inList,
  json,
  msInterval,
  terminalList,
  toMs,
  type SqlExecutor,
} from "./sql-fragments.ts";

/** Whether a step can be tried as one statement at all (what {@link commitStepInOneStatement} handles). */
export function fitsOneStatement(
  db: SqlExecutor,
  commit: StepCommit,
): commit is StepCommit & { runVersion: string } {
  return (
    commit.runVersion !== undefined &&
    // Inside the caller's transaction a refused statement could not be retried the long way.
    !db.isTransaction &&
    (commit.children?.length ?? 0) === 0 &&
    commit.run.status !== "continued" &&
    (commit.cancelTasks?.length ?? 0) === 0 &&
    commit.cancelTimers.length === 0 &&
    commit.tasks.every((task) => task.options.idempotencyKey === undefined) &&
    // An in-process reference without its call cannot be checked here (the long path refuses it).
    (commit.finishTasks ?? []).every((f) => f.claim.inProcess !== true || f.claim.identity !== undefined)
  );
}

/**
 * commitStep in a single statement (one round trip, autocommit), for a run whose row is still
 * exactly the version the caller last saw (`runVersion`, the row's xmin as of the caller's claim,
 * start or previous commit). Returns undefined, having written nothing, when the row moved on
 * or the step needs more than this statement does; commitStep then runs its full transaction,
 * which reaches the same outcome or throws the precise error.
 *
 * Why an unchanged version is enough: every writer of a run row's state updates the row (a
 * delivery always rewrites `ready_since`, a claim or renewal the lease columns), so an equal
 * xmin means no takeover, no new inbox item and no other step since the caller last saw it,
 * and this statement's snapshot of the run's inbox is the one the caller's step was computed
 * against.
 *
 * Locking: the UPDATE of the run row takes its row lock and re-checks the version on the newest
 * row if a concurrent writer got there first (READ COMMITTED re-evaluation), so a concurrent
 * claim or delivery either commits before us and makes the version stale (nothing written
 * here) or waits for our commit. Every other write of the statement (events, tasks, timers,
 * inbox deletions, attempts closed) is gated on that update having happened. The attempts in
 * `finishTasks` are locked first, FOR UPDATE SKIP LOCKED (never waited for, as in commitStep),
 * and the run row is updated only if all of them are current.
 */
export async function commitStepInOneStatement(
  db: SqlExecutor,
  commit: StepCommit & { runVersion: string },
): Promise<StepCommitResult | undefined> {
  const { lease } = commit;
  const runId = lease.runId;
  const terminal = isTerminal(commit.run.status);
  const lastSeq = commit.lastSeq + commit.events.length;
  const gate = sql`EXISTS (SELECT 1 FROM run_updated)`;
  const prepared = await prepareTasks(db, runId, commit.tasks, {
    detached: terminal,
    owner: lease.owner,
    ...(commit.attemptLeaseMs === undefined ? {} : { attemptLeaseMs: commit.attemptLeaseMs }),
    gate,
  });
  if (prepared.reusesResults) return undefined;
  // In-process attempts have no row to close: their calls leave the run's list instead.
  const finished = (commit.finishTasks ?? []).filter((f) => f.claim.inProcess !== true);
  const attempts = finishedTasksParts(runId, finished, gate);

  const change = inProcessChange(commit, terminal);
  const conditions: SqlTemplate<unknown>[] = [
    sql`r.run_id = ${runId}`,
    sql`r.xmin = ${commit.runVersion}::xid`,
    sql`r.fencing_token = ${lease.fencingToken}`,
    sql`r.lease_owner = ${lease.owner}`,
    sql`r.last_seq = ${commit.lastSeq}`,
    sql`r.status NOT IN ${terminalList}`,
  ];
  // The in-process attempts it finishes are still the run's (not persisted or re-issued since);
  // if not, the long path throws StaleAttemptError.
  if (change.removed.length > 0) conditions.push(inProcessListed(sql`r.in_process_calls`, change));
  if (commit.requireEmptyInbox === true) {
    // The inbox the step assumed (the version check makes this snapshot's inbox current).
    // An empty inbox: `ready_since` may be the eager window's mark (below), so the inbox itself
    // is looked at then (the version check makes this snapshot's inbox current).
    conditions.push(
      commit.delivered.length === 0
        ? sql`(r.ready_since IS NULL OR NOT EXISTS (SELECT 1 FROM continuum.inbox WHERE run_id = ${runId}))`
        : inboxHoldsDelivered(runId, commit.delivered),
    );
  }
  if (attempts !== undefined)
    conditions.push(sql`(SELECT count(DISTINCT task_id) FROM finish_locked) = ${finished.length}`); // an attempt listed twice counts once
  if (terminal) {
    // A run that reports to a parent or closes children ends the long way (parent lock first).
    conditions.push(sql`r.parent_run_id IS NULL`);
    conditions.push(sql`NOT EXISTS (SELECT 1 FROM continuum.runs AS c
                         WHERE c.parent_run_id = ${runId} AND c.parent_close_policy = 'cancel' AND c.status NOT IN ${terminalList})`);
  }
  const delivered = commit.delivered.length === 0 ? sql`` : sql`AND id NOT IN ${inList(commit.delivered)}`;
  const inboxKnownEmpty = terminal || (commit.requireEmptyInbox === true && commit.delivered.length === 0);
  // The oldest item left in the inbox after this step (NULL: none), read once (`inbox_first`).
  const inboxFirst = inboxKnownEmpty ? sql`NULL::bigint` : sql`(SELECT id FROM inbox_first)`;
  // The eager window (see start-run.ts): a run started leased to its starter has `ready_since`
  // set and `not_before` at that first lease's end, so that a dead starter's run is claimed
  // then. A step by the lease holder that keeps the run (leaseMs: it stays cached, its lease
  // renewed) inside that window leaves both columns as they are: the row's update then changes
  // no indexed column and stays HOT (no new entry in any of the run's indexes). The run stays
  // deferred until the window ends; a run still open then is claimed once more (by its owner,
  // or by anyone once its lease expired), stepped with nothing new, and that commit, outside
  // the window, clears both. `ready` (returned) is the inbox, not the mark. A delivery after
  // this step ends the window (notBeforeAfterDelivery), so the run is claimed at once.
  const keepsEagerWindow = !terminal && commit.leaseMs !== undefined;
  // Kept only while the run has nothing to do: with items left, it must be claimable at once.
  const inWindow = sql`(r.not_before > ${dbNow} AND r.ready_since IS NOT NULL AND ${inboxFirst} IS NULL)`;
  const notBefore = keepsEagerWindow ? sql`CASE WHEN ${inWindow} THEN r.not_before END` : sql`NULL`;
  const readySince = keepsEagerWindow
    ? sql`CASE WHEN ${inWindow} THEN r.ready_since ELSE ${inboxFirst} END`
    : inboxFirst;
  const leaseExpiresAt = terminal
    ? sql`NULL`
    : commit.leaseMs === undefined
      ? sql`r.lease_expires_at`
      : sql`${dbNow} + ${msInterval(commit.leaseMs)}`;

  const ctes: SqlTemplate<unknown>[] = [];
  if (!inboxKnownEmpty)
    ctes.push(
      sql`inbox_first AS (SELECT min(id) AS id FROM continuum.inbox WHERE run_id = ${runId} ${delivered})`,
    );
  if (attempts !== undefined) ctes.push(attempts.lock);
  ctes.push(sql`run_updated AS (
    UPDATE continuum.runs AS r SET
      updated_at = ${dbNow},
      status = ${commit.run.status},
      result = ${json(commit.run.result)},
      error = ${json(commit.run.error)},
      last_seq = ${lastSeq},
      not_before = ${notBefore},
      ready_since = ${readySince},
      finished_at = ${terminal ? dbNow : sql`NULL`},
      lease_owner = ${terminal ? null : lease.owner},
      lease_expires_at = ${leaseExpiresAt}${inProcessAssignments(sql`r.in_process_calls`, change, terminal)}
    WHERE ${sql.join(conditions, sql` AND `)}
    RETURNING r.history_month, ${inboxFirst} IS NOT NULL AS ready, r.xmin::text AS run_version)`);
  if (attempts !== undefined) ctes.push(attempts.close);
  if (commit.events.length > 0) {
    const rows = commit.events.map((event, i) => {
      const { kind, body } = splitEvent(event);
      return sql`(${commit.lastSeq + i + 1}::bigint, ${kind}::text, ${json(body)})`;
    });
    ctes.push(sql`new_events AS (
      INSERT INTO continuum.events (run_id, history_month, seq, kind, body, at)
      SELECT ${runId}, u.history_month, v.seq, v.kind, v.body, ${dbNow}
      FROM run_updated AS u, (VALUES ${sql.join(rows)}) AS v(seq, kind, body))`);
  }
  if (prepared.cte !== undefined) ctes.push(prepared.cte);
  if (commit.timers.length > 0) {
    ctes.push(newTimersCte(commit.timers, sql`${runId}::text`, sql`run_updated`));
  }
  if (terminal) {
    ctes.push(endCleanup(runId, gate));
  } else if (commit.delivered.length > 0) {
    ctes.push(
      sql`delivered AS (DELETE FROM continuum.inbox WHERE run_id = ${runId} AND id IN ${inList(commit.delivered)} AND ${gate})`,
    );
  }
  // Hints go out with the commit, only if the run row was updated.
  const hints: SqlTemplate<unknown>[] = [];
  if (commit.timers.length > 0)
    hints.push(sql`SELECT pg_notify(${channelOf(NotifyTopic.timerSet)}, ${runId}::text) FROM run_updated`);
  if (prepared.cte !== undefined)
    hints.push(
      sql`SELECT pg_notify(${channelOf(NotifyTopic.taskReady)}, task_id) FROM created_tasks WHERE status = 'pending'`,
    );
  if (terminal)
    hints.push(sql`SELECT pg_notify(${channelOf(NotifyTopic.runFinished)}, ${runId}::text) FROM run_updated`);
  else
    hints.push(
      sql`SELECT pg_notify(${channelOf(NotifyTopic.runReady)}, ${runId}::text) FROM run_updated WHERE ready`,
    );
  ctes.push(sql`hints AS (${sql.join(hints, sql` UNION ALL `)})`);

  const written = await sql<{
    run_version: string | null;
    ready: boolean | null;
    closed: number;
    tasks: InsertedTask[] | string;
    now: Date;
    hints: number;
  }>`
    WITH ${sql.join(ctes)}
    SELECT (SELECT run_version FROM run_updated) AS run_version,
           (SELECT ready FROM run_updated) AS ready,
           ${attempts === undefined ? sql`0` : sql`(SELECT count(*) FROM finished_tasks)`}::int AS closed,
           ${prepared.cte === undefined ? sql`'[]'::json` : sql`(SELECT coalesce(json_agg(c), '[]'::json) FROM created_tasks AS c)`} AS tasks,
           ${dbNow} AS now,
           (SELECT count(*) FROM hints)::int AS hints`.execute(db);
  const row = written.rows[0];
  if (row === undefined || row.run_version === null) return undefined;
  const inserted = typeof row.tasks === "string" ? (JSON.parse(row.tasks) as InsertedTask[]) : row.tasks;
  const now = toMs(row.now);
  const claimedTasks = await prepared.finish(db, inserted, { hintsSent: true, now });
  const ready = !terminal && row.ready === true;
  return {
    lastSeq,
    now,
    runVersion: row.run_version,
    ...(ready ? { ready } : {}),
    ...(claimedTasks.length === 0 ? {} : { claimedTasks }),
  };
}
