import { sql, type SqlTemplate } from "./sql-template.ts";
import {
  InboxNotEmptyError,
  LeaseLostError,
  SequenceConflictError,
  StaleAttemptError,
} from "../../errors/index.ts";
import { isTerminal, type Encoded, type ResolutionEvent } from "../../model/index.ts";
import { NotifyTopic } from "../notifier.ts";
import type { RunQueueStart, StepCommit, StepCommitResult } from "../journal.ts";
import { runColumns, splitEvent, traceContextOf, type InboxRow, type RunRow } from "./rows.ts";
import {
  closeChildren,
  createChildren,
  handOver,
  handoverSignals,
  lockParentFirst,
  openChildrenOf,
  reportToParent,
} from "./commit-composition.ts";
import { insertRun } from "./start-run.ts";
import { crossesSnapshot, writeHistorySnapshot } from "./history-snapshot.ts";
import { commitStepInOneStatement, fitsOneStatement } from "./commit-step-in-one-statement.ts";
import { endCleanup, inboxHoldsDelivered, timerFireAt } from "./step-fragments.ts";
import { prepareTasks, type InsertedTask } from "./create-tasks.ts";
import { finishedTasksCte } from "./finish-task.ts";
import { inProcessChange } from "../in-process-attempts.ts";
import { inProcessAssignments } from "./in-process-calls.ts";
import {
  inTransaction,
  channelOf,
  dbNow,
  inList,
  json,
  msInterval,
  notify,
  toMs,
  type SqlExecutor,
} from "./sql-fragments.ts";
import { applyAttributeUpdates, attributeUpdatesOf } from "../attribute-updates.ts";

/**
 * commitStep: one step of a run's execution, atomically.
 *
 * Locking: the first statement is the compare-and-set: SELECT ... FOR NO KEY UPDATE of the run
 * row where fencing token and owner match. If another transaction holds the row, Postgres
 * waits and then re-checks the condition on the row's newest version, so a lease taken over
 * meanwhile yields no row and we throw LeaseLostError before anything is written. From there
 * on no claimer or inbox deliverer can change the run until we commit. Cancelled timers are
 * deleted with SKIP LOCKED: a timer the timer wheel is firing right now holds its row lock and
 * then waits for ours, so waiting for it here would deadlock; it fires instead, and replay
 * ignores a stale timer_fired. Tasks in `cancelTasks` are deleted while pending, also with SKIP
 * LOCKED: one a worker is claiming right now becomes a running attempt, which is left to
 * finish (its result is delivered as usual). The final UPDATE recomputes readiness (`ready_since`) from the
 * inbox while the row lock is still held (see deliverToInbox for why no wake-up is lost).
 */
export async function commitStep(db: SqlExecutor, commit: StepCommit): Promise<StepCommitResult> {
  // A step that writes a history snapshot takes the full transaction (the snapshot reads the
  // events this step wrote).
  const snapshot = crossesSnapshot(commit);
  // A step that sets search attributes (setAttributes) merges them into the locked row: the
  // full transaction, which reads the row first.
  const attributeUpdates = attributeUpdatesOf(commit.events);
  if (!snapshot && attributeUpdates === undefined && fitsOneStatement(db, commit)) {
    const done = await commitStepInOneStatement(db, commit);
    if (done !== undefined) return done;
  }
  const { lease } = commit;
  return inTransaction(db, async (tx) => {
    const parentLockedOpen = await lockParentFirst(tx, commit, isTerminal(commit.run.status));
    const cas = await sql<RunRow & { now: Date; has_inbox: boolean; in_process_calls: string[] | null }>`
      SELECT ${runColumns}, ${dbNow} AS now, r.ready_since IS NOT NULL AS has_inbox, r.in_process_calls FROM continuum.runs AS r
      WHERE r.run_id = ${lease.runId} AND r.fencing_token = ${lease.fencingToken} AND r.lease_owner = ${lease.owner}
      FOR NO KEY UPDATE`.execute(tx);
    const run = cas.rows[0];
    if (run === undefined || isTerminal(run.status))
      throw new LeaseLostError(lease.runId, lease.fencingToken);
    if (Number(run.last_seq) !== commit.lastSeq)
      throw new SequenceConflictError(lease.runId, commit.lastSeq, Number(run.last_seq));
    // ready_since is set exactly while the run has undelivered items (see deliverToInbox); the
    // row lock keeps any from arriving until we commit.
    if (
      commit.requireEmptyInbox === true &&
      !(await inboxAsAssumed(tx, lease.runId, run.has_inbox, commit.delivered))
    ) {
      throw new InboxNotEmptyError(lease.runId);
    }
    const lastSeq = commit.lastSeq + commit.events.length;
    const terminal = isTerminal(commit.run.status);
    // The in-process attempts it finishes must still be the run's (not persisted or re-issued).
    const change = inProcessChange(commit, terminal);
    const listed = new Set(run.in_process_calls ?? []);
    const unlisted = (commit.finishTasks ?? []).find(
      (f) => f.claim.inProcess === true && (f.claim.identity === undefined || !listed.has(f.claim.identity)),
    );
    if (unlisted !== undefined) throw new StaleAttemptError(unlisted.claim.taskId, unlisted.claim.attempt);
    // Written with the run row, so the trigger of 0017 refreshes run_attribute_values in this commit.
    const attributes =
      attributeUpdates === undefined ? undefined : applyAttributeUpdates(run.attributes, attributeUpdates);
    if (commit.delivered.length > 0) {
      await sql`DELETE FROM continuum.inbox WHERE run_id = ${lease.runId} AND id IN ${inList(commit.delivered)}`.execute(
        tx,
      );
    }
    // A run that ends drops all its waiting tasks in the cleanup statement further down.
    if (!terminal && commit.cancelTasks !== undefined && commit.cancelTasks.length > 0) {
      // Waiting tasks go; a running attempt is marked so that its engine hears it at its next
      // heartbeat flush (heartbeatTasks' `withdrawn`). Both SKIP LOCKED: a task row locked by its
      // attempt's finishTask is finishing anyway.
      await sql`WITH marked AS (
                  UPDATE continuum.tasks SET cancel_requested = true WHERE task_id IN (
                    SELECT task_id FROM continuum.tasks
                    WHERE run_id = ${lease.runId} AND status = 'running' AND identity IN ${inList(commit.cancelTasks)}
                    FOR UPDATE SKIP LOCKED))
                DELETE FROM continuum.tasks WHERE task_id IN (
                  SELECT task_id FROM continuum.tasks
                  WHERE run_id = ${lease.runId} AND status = 'pending' AND identity IN ${inList(commit.cancelTasks)}
                  FOR UPDATE SKIP LOCKED)`.execute(tx);
    }
    const prepared = await prepareTasks(tx, lease.runId, commit.tasks, {
      detached: terminal,
      owner: lease.owner,
      ...(commit.attemptLeaseMs === undefined ? {} : { attemptLeaseMs: commit.attemptLeaseMs }),
    });
    // The run row's update. Folded into the write statement when nothing else in this step
    // touches the inbox (its ready_since sub-select then sees the final inbox): the common
    // activity step of the sticky fast path is BEGIN, CAS, one write, COMMIT.
    // The eager window is kept as by the one-statement form (see commit-step-in-one-statement.ts).
    const inboxFirst = terminal
      ? sql`NULL::bigint`
      : sql`(SELECT min(id) FROM continuum.inbox WHERE run_id = ${lease.runId})`;
    const keepsEagerWindow = !terminal && commit.leaseMs !== undefined;
    const inWindow = sql`(not_before > ${dbNow} AND ready_since IS NOT NULL AND ${inboxFirst} IS NULL)`;
    const runUpdate = sql<RunUpdated>`
      UPDATE continuum.runs SET
        updated_at = ${dbNow},${
          attributes === undefined
            ? sql``
            : sql`
        attributes = ${json(attributes)},`
        }
        status = ${commit.run.status},
        result = ${json(commit.run.result)},
        error = ${json(commit.run.error)},
        continued_to = ${commit.run.continuedTo ?? null},
        last_seq = ${lastSeq},
        not_before = ${keepsEagerWindow ? sql`CASE WHEN ${inWindow} THEN not_before END` : sql`NULL`},
        ready_since = ${keepsEagerWindow ? sql`CASE WHEN ${inWindow} THEN ready_since ELSE ${inboxFirst} END` : inboxFirst},
        finished_at = ${terminal ? dbNow : sql`NULL`},
        lease_owner = ${terminal ? null : lease.owner},
        lease_expires_at = ${
          terminal
            ? sql`NULL`
            : commit.leaseMs === undefined
              ? sql`lease_expires_at`
              : sql`${dbNow} + ${msInterval(commit.leaseMs)}`
        }${inProcessAssignments(sql`in_process_calls`, change, terminal)}
      WHERE run_id = ${lease.runId}
      RETURNING ${inboxFirst} IS NOT NULL AS ready, xmin::text AS run_version, ${terminal ? openChildrenOf(lease.runId) : sql`NULL`} AS open_children`;
    const plain =
      commit.delivered.length === 0 && (commit.children?.length ?? 0) === 0 && !prepared.reusesResults;
    // A run that completes, fails or is cancelled: its cleanup and the run_finished hint join
    // the write statement too (nothing later in this transaction touches its inbox or timers).
    const endsPlainly = terminal && plain && commit.run.status !== "continued" && commit.timers.length === 0;
    const folded = (!terminal && plain) || endsPlainly;
    const written = await writeStep(
      tx,
      run.history_month,
      commit,
      prepared.cte,
      folded ? runUpdate : undefined,
      endsPlainly,
    );
    const claimedTasks = await prepared.finish(tx, written.tasks, { now: toMs(run.now) });
    if (snapshot && !terminal) await writeHistorySnapshot(tx, lease.runId, run.history_month, lastSeq);
    if (commit.timers.length > 0) {
      const rows = commit.timers.map(
        (t) => sql`(${lease.runId}, ${t.identity}, ${timerFireAt(t)}, ${dbNow})`,
      );
      await sql`INSERT INTO continuum.timers (run_id, identity, fire_at, created_at) VALUES ${sql.join(rows)}
                ON CONFLICT (run_id, identity) DO NOTHING`.execute(tx);
      await notify(tx, NotifyTopic.timerSet, [lease.runId]);
    }
    if (commit.cancelTimers.length > 0) {
      await sql`DELETE FROM continuum.timers WHERE (run_id, identity) IN (
                  SELECT run_id, identity FROM continuum.timers
                  WHERE run_id = ${lease.runId} AND identity IN ${inList(commit.cancelTimers)}
                  FOR UPDATE SKIP LOCKED)`.execute(tx);
    }

    if (commit.children !== undefined && commit.children.length > 0)
      await createChildren(tx, run, commit.children);

    let handover: ResolutionEvent[] = [];
    if (terminal && !endsPlainly) {
      // A finished run never steps again: drop what could only wake it (running tasks finish
      // on their own; their results are then dropped by deliverToInbox). Signals nobody took
      // move to a successor (continue-as-new).
      // One statement: queued work of a run that ends is dropped, except the tasks this very
      // step issued (created above as detached: fire-and-forget), its timers and its inbox.
      const removed = await sql<InboxRow>`
        WITH dropped_tasks AS (
          DELETE FROM continuum.tasks WHERE run_id = ${lease.runId} AND status = 'pending' AND NOT detached
        ),
        dropped_timers AS (
          DELETE FROM continuum.timers WHERE (run_id, identity) IN (
            SELECT run_id, identity FROM continuum.timers WHERE run_id = ${lease.runId} FOR UPDATE SKIP LOCKED)
        )
        DELETE FROM continuum.inbox WHERE run_id = ${lease.runId} RETURNING id, run_id, kind, body, received_at`.execute(
        tx,
      );
      if (commit.run.status === "continued") handover = handoverSignals(commit, removed.rows);
    }
    const updated = folded ? written.run : (await runUpdate.execute(tx)).rows[0];

    // Continue-as-new: the successor keeps the workflow id. An engine that created the
    // successor itself (startRun) only links it; otherwise it is created here, atomically.
    if (
      commit.run.status === "continued" &&
      commit.run.continuedTo !== undefined &&
      !(await runExists(tx, commit.run.continuedTo))
    ) {
      const continued = commit.events.find((e) => e.kind === "run_continued");
      const input: Encoded = continued?.kind === "run_continued" ? continued.input : null;
      const queue = await queueOf(tx, lease.runId);
      await insertRun(tx, {
        ...(queue === undefined ? {} : { queue }),
        runId: commit.run.continuedTo,
        namespace: run.namespace,
        workflowId: run.workflow_id,
        workflowName: run.workflow_name,
        versionHash: run.version_hash,
        input,
        attributes: attributes ?? run.attributes,
        ...(run.parent_run_id === null ? {} : { parentRunId: run.parent_run_id }),
        ...(run.parent_identity === null ? {} : { parentIdentity: run.parent_identity }),
        ...(run.parent_close_policy === null ? {} : { parentClosePolicy: run.parent_close_policy }),
        ...traceContextOf(run),
        chainId: await chainIdOf(tx, lease.runId),
        continuedFrom: lease.runId,
      });
    }
    if (commit.run.status === "continued" && commit.run.continuedTo !== undefined)
      await handOver(tx, lease.runId, commit.run.continuedTo, handover);
    if (terminal) {
      await reportToParent(tx, run, commit, parentLockedOpen);
      const open = updated?.open_children;
      await closeChildren(
        tx,
        lease.runId,
        commit.run.status,
        typeof open === "string" ? (JSON.parse(open) as string[]) : (open ?? []),
      );
    }
    if (terminal && !endsPlainly) await notify(tx, NotifyTopic.runFinished, [lease.runId]);
    else if (updated?.ready === true) await notify(tx, NotifyTopic.runReady, [lease.runId]);
    const runVersion = updated?.run_version ?? undefined;
    const ready = !terminal && updated?.ready === true;
    return {
      lastSeq,
      now: toMs(run.now),
      ...(runVersion === undefined ? {} : { runVersion }),
      ...(ready ? { ready } : {}),
      ...(claimedTasks.length === 0 ? {} : { claimedTasks }),
    };
  });
}

/**
 * The step's main writes in one statement (one round trip): the attempts it finishes
 * (finishedTasksCte), its events, and its tasks (prepareTasks' CTE). Runs under the run row
 * lock taken by the CAS. A finished attempt that was not current leaves `finished_tasks` short:
 * StaleAttemptError, and the transaction, this statement included, is rolled back.
 * Returns the tasks inserted.
 */
async function writeStep(
  tx: SqlExecutor,
  historyMonth: string,
  commit: StepCommit,
  tasksCte: SqlTemplate<unknown> | undefined,
  runUpdate: SqlTemplate<RunUpdated> | undefined,
  endRun = false,
): Promise<{ tasks: InsertedTask[]; run: RunUpdated | undefined }> {
  const { lease } = commit;
  const ctes: SqlTemplate<unknown>[] = [];
  // In-process attempts have no row to close: their calls leave the run's list instead.
  const finished = (commit.finishTasks ?? []).filter((f) => f.claim.inProcess !== true);
  const finishCte = finishedTasksCte(lease.runId, finished);
  if (finishCte !== undefined) ctes.push(finishCte);
  if (commit.events.length > 0) {
    const rows = commit.events.map((event, i) => {
      const { kind, body } = splitEvent(event);
      return sql`(${lease.runId}, ${historyMonth}::date, ${commit.lastSeq + i + 1}, ${kind}, ${json(body)}, ${dbNow})`;
    });
    ctes.push(
      sql`new_events AS (INSERT INTO continuum.events (run_id, history_month, seq, kind, body, at) VALUES ${sql.join(rows)})`,
    );
  }
  if (tasksCte !== undefined) ctes.push(tasksCte);
  if (runUpdate !== undefined) ctes.push(sql`run_updated AS (${runUpdate})`);
  if (endRun) ctes.push(endCleanup(lease.runId));
  if (ctes.length === 0) return { tasks: [], run: undefined };
  const written = await sql<{
    closed: number;
    tasks: InsertedTask[] | string;
    ready: boolean | null;
    run_version: string | null;
    open_children: string[] | string | null;
  }>`
    WITH ${sql.join(ctes)}
    SELECT ${finishCte === undefined ? sql`0` : sql`(SELECT count(*) FROM finished_tasks)`}::int AS closed,
           ${tasksCte === undefined ? sql`'[]'::json` : sql`(SELECT coalesce(json_agg(c), '[]'::json) FROM created_tasks AS c)`} AS tasks,
           ${runUpdate === undefined ? sql`NULL::boolean` : sql`(SELECT ready FROM run_updated)`} AS ready,
           ${runUpdate === undefined ? sql`NULL::text` : sql`(SELECT run_version FROM run_updated)`} AS run_version,
           ${runUpdate === undefined ? sql`NULL::json` : sql`(SELECT open_children FROM run_updated)`} AS open_children
           ${endRun ? sql`, pg_notify(${channelOf(NotifyTopic.runFinished)}, ${lease.runId}::text) AS notified` : sql``}`.execute(
    tx,
  );
  const row = written.rows[0];
  if (Number(row?.closed ?? 0) !== finished.length) {
    const first = finished[0];
    throw new StaleAttemptError(first?.claim.taskId ?? "", first?.claim.attempt ?? 0);
  }
  const tasks = row?.tasks ?? [];
  return {
    tasks: typeof tasks === "string" ? (JSON.parse(tasks) as InsertedTask[]) : tasks,
    run:
      runUpdate === undefined
        ? undefined
        : {
            ready: row?.ready === true,
            run_version: row?.run_version ?? null,
            open_children: row?.open_children ?? null,
          },
  };
}

/** What the run row's update returns. */
interface RunUpdated {
  ready: boolean;
  /** The row's xmin after the update: the version a later one-statement commit checks. */
  run_version: string | null;
  open_children: string[] | string | null;
}

/**
 * StepCommit.requireEmptyInbox, checked under the run row lock: every delivered item still in
 * the inbox and none older left undelivered (nothing delivered: an empty inbox).
 */
async function inboxAsAssumed(
  tx: SqlExecutor,
  runId: string,
  hasInbox: boolean,
  delivered: readonly number[],
): Promise<boolean> {
  if (delivered.length === 0) {
    if (!hasInbox) return true;
    // `ready_since` may be the eager window's mark on an empty inbox: look at the inbox itself.
    const empty = await sql<{ e: boolean }>`
      SELECT NOT EXISTS (SELECT 1 FROM continuum.inbox WHERE run_id = ${runId}) AS e`.execute(tx);
    return empty.rows[0]?.e === true;
  }
  const found = await sql<{ ok: boolean }>`SELECT ${inboxHoldsDelivered(runId, delivered)} AS ok`.execute(tx);
  return found.rows[0]?.ok === true;
}

/**
 * The queue place a successor inherits (continue-as-new): the same queue, priority, partition
 * and dedupe key, so the successor waits in the queue like any queued start instead of
 * bypassing it. Undefined for a run that was not queued.
 */
async function queueOf(tx: SqlExecutor, runId: string): Promise<RunQueueStart | undefined> {
  const found = await sql<{
    queue_name: string | null;
    queue_priority: number | null;
    queue_dedupe_key: string | null;
    queue_partition_key: string | null;
  }>`SELECT queue_name, queue_priority, queue_dedupe_key, queue_partition_key FROM continuum.runs
     WHERE run_id = ${runId}`.execute(tx);
  const row = found.rows[0];
  if (row?.queue_name == null) return undefined;
  return {
    name: row.queue_name,
    ...(row.queue_priority === null ? {} : { priority: row.queue_priority }),
    ...(row.queue_dedupe_key === null ? {} : { dedupeKey: row.queue_dedupe_key }),
    ...(row.queue_partition_key === null ? {} : { partitionKey: row.queue_partition_key }),
  };
}

async function runExists(tx: SqlExecutor, runId: string): Promise<boolean> {
  const row = await sql`SELECT 1 FROM continuum.runs WHERE run_id = ${runId}`.execute(tx);
  return row.rows.length > 0;
}

async function chainIdOf(tx: SqlExecutor, runId: string): Promise<string> {
  const row = await sql<{
    chain_id: string;
  }>`SELECT chain_id FROM continuum.runs WHERE run_id = ${runId}`.execute(tx);
  return row.rows[0]?.chain_id ?? runId;
}
