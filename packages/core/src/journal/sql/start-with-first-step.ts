import { sql, type SqlTemplate } from "./sql-template.ts";
import { RunAlreadyExistsError } from "../../errors/journal-errors.ts";
import type { FirstStepStart, StartRunResult, StepCommit } from "../journal.ts";
import { NotifyTopic } from "../notifier.ts";
import { attributeUpdatesOf } from "../attribute-updates.ts";
import { commitStep } from "./commit-step.ts";
import { prepareTasks, type InsertedTask } from "./create-tasks.ts";
import { identityArray } from "./in-process-calls.ts";
import { crossesSnapshot } from "./history-snapshot.ts";
import { runColumns, splitEvent, toRunRecord } from "./rows.ts";
import { insertRun, isUniqueViolation, newRunOf, type StartedRow } from "./start-run.ts";
import { newTimersCte } from "./step-fragments.ts";
import {
  channelOf,
  dbNow,
  inTransaction,
  json,
  msInterval,
  toMs,
  type SqlExecutor,
} from "./sql-fragments.ts";

/**
 * Whether {@link startWithFirstStepInOneStatement} can write this first step: a step that keeps
 * the run (cached, lease renewed: the eager window stays, see commit-step-in-one-statement.ts)
 * and only appends events, tasks without idempotency keys and timers. A step that ends the run,
 * starts children, sets search attributes, crosses a history snapshot or cancels anything takes
 * the checked path, as its commitStep would.
 */
function fitsOneStatement(commit: StepCommit): commit is StepCommit & { leaseMs: number } {
  return (
    commit.leaseMs !== undefined &&
    commit.run.status === "running" &&
    (commit.children?.length ?? 0) === 0 &&
    (commit.cancelTasks?.length ?? 0) === 0 &&
    commit.cancelTimers.length === 0 &&
    commit.tasks.every((task) => task.options.idempotencyKey === undefined) &&
    attributeUpdatesOf(commit.events) === undefined &&
    !crossesSnapshot(commit)
  );
}

/**
 * startRun with a first step (see StartRunRequest.firstStep): the run and its first step, all or
 * nothing. One statement for the common step (below); any other step inserts the run and
 * commits the step through commitStep's checked path, in one transaction.
 */
export async function startWithFirstStep(db: SqlExecutor, request: FirstStepStart): Promise<StartRunResult> {
  try {
    return await insertWithFirstStep(db, request);
  } catch (error) {
    // The run id names an existing run (a start whose acknowledgement was lost, retried): the
    // same refusal as an id taken by an open run, which the insert yields to.
    if (isUniqueViolation(error, "runs_pkey")) throw new RunAlreadyExistsError(request.runId, request.runId);
    throw error;
  }
}

async function insertWithFirstStep(db: SqlExecutor, request: FirstStepStart): Promise<StartRunResult> {
  const { firstStep } = request;
  if (fitsOneStatement(firstStep)) return startWithFirstStepInOneStatement(db, request, firstStep);
  return inTransaction(db, async (tx) => {
    const row = await insertRun(tx, newRunOf(request, request.runId, request.runId), request.lease);
    if (row === undefined) throw new RunAlreadyExistsError(request.runId, request.runId);
    const committed = await commitStep(tx, { ...firstStep, runVersion: row.run_version });
    const after = await sql<StartedRow>`
      SELECT ${runColumns}, r.xmin::text AS run_version, ${dbNow} AS now FROM continuum.runs AS r
      WHERE r.run_id = ${request.runId}`.execute(tx);
    const run = after.rows[0];
    if (run === undefined) throw new Error(`run ${request.runId} vanished during its start`);
    return { run: toRunRecord(run), created: true, firstStep: committed };
  });
}

/**
 * The run row, its `run_started` event and its first step's events, tasks and timers in one
 * autocommit statement: the eager start and its first commit as one round trip, one commit and
 * one run row version (the row is inserted as the step leaves it, instead of inserted and then
 * updated).
 *
 * The row is what an eager start followed by a one-statement commit that keeps the run would
 * leave: leased to the starter (fencing token 1), ready (`ready_since`) and deferred to the end
 * of the starter's first lease (`not_before`: the eager window, so that a dead starter's run is
 * claimed then, and not before by anyone), `last_seq` after the step, the lease renewed by the
 * step's `leaseMs`.
 *
 * Locking: none taken explicitly. The insert can only yield to an open run holding the new run's
 * id as its workflow id (the partial unique index, as insertRun); every other write is gated on
 * the insert, so nothing is written then, and the caller is told the id is taken. The rows are
 * invisible to other transactions until the statement commits: a claimer, the timer wheel or a
 * task claimer sees the run and its first step together or not at all.
 */
async function startWithFirstStepInOneStatement(
  db: SqlExecutor,
  request: FirstStepStart,
  commit: StepCommit & { leaseMs: number },
): Promise<StartRunResult> {
  const { runId, lease } = request;
  const gate = sql`EXISTS (SELECT 1 FROM r)`;
  const prepared = await prepareTasks(db, runId, commit.tasks, {
    owner: lease.owner,
    ...(commit.attemptLeaseMs === undefined ? {} : { attemptLeaseMs: commit.attemptLeaseMs }),
    gate,
  });
  const lastSeq = 1 + commit.events.length;
  const inProcessCalls =
    prepared.inProcessCalls.length === 0 ? sql`NULL::text[]` : identityArray(prepared.inProcessCalls);
  const started = splitEvent({
    kind: "run_started",
    workflowName: request.workflowName,
    versionHash: request.versionHash,
    input: request.input,
  });
  const events = [
    sql`(1::bigint, ${started.kind}::text, ${json(started.body)})`,
    ...commit.events.map((event, i) => {
      const { kind, body } = splitEvent(event);
      return sql`(${i + 2}::bigint, ${kind}::text, ${json(body)})`;
    }),
  ];
  const ctes: SqlTemplate<unknown>[] = [
    sql`next AS (SELECT nextval('continuum.journal_order') AS n)`,
    sql`r AS (
      INSERT INTO continuum.runs AS r (run_id, namespace, workflow_id, workflow_name, version_hash, input, attributes,
        parent_run_id, chain_id, traceparent, tracestate, history_month, last_seq, created_order, ready_since,
        fencing_token, lease_owner, lease_expires_at, not_before, created_at, updated_at, in_process_calls, has_in_process)
      SELECT ${runId}, ${request.namespace}, ${runId}, ${request.workflowName}, ${request.versionHash}, ${json(request.input)},
        ${json(request.attributes ?? {})}, ${request.parentRunId ?? null}, ${runId},
        ${request.traceContext?.traceparent ?? null}, ${request.traceContext?.tracestate ?? null},
        date_trunc('month', ${dbNow})::date, ${lastSeq}, next.n, next.n,
        1, ${lease.owner}, ${dbNow} + ${msInterval(commit.leaseMs)}, ${dbNow} + ${msInterval(lease.leaseMs)},
        ${dbNow}, ${dbNow}, ${inProcessCalls}, ${prepared.inProcessCalls.length > 0}
      FROM next
      ON CONFLICT (namespace, workflow_id) WHERE status IN ('running', 'stuck_unknown_version') DO NOTHING
      RETURNING ${runColumns}, r.xmin::text AS run_version)`,
    sql`new_events AS (
      INSERT INTO continuum.events (run_id, history_month, seq, kind, body, at)
      SELECT r.run_id, r.history_month::date, v.seq, v.kind, v.body, ${dbNow}
      FROM r, (VALUES ${sql.join(events)}) AS v(seq, kind, body))`,
  ];
  if (prepared.cte !== undefined) ctes.push(prepared.cte);
  const hints: SqlTemplate<unknown>[] = [];
  if (commit.timers.length > 0) {
    ctes.push(newTimersCte(commit.timers, sql`r.run_id`, sql`r`));
    hints.push(sql`SELECT pg_notify(${channelOf(NotifyTopic.timerSet)}, r.run_id)::text FROM r`);
  }
  // Tasks created claimed are this engine's to run; only the others are announced.
  if (prepared.cte !== undefined)
    hints.push(
      sql`SELECT pg_notify(${channelOf(NotifyTopic.taskReady)}, task_id)::text FROM created_tasks WHERE status = 'pending'`,
    );
  if (hints.length > 0) ctes.push(sql`hints AS (${sql.join(hints, sql` UNION ALL `)})`);

  const written = await sql<StartedRow & { tasks: InsertedTask[] | string; hints: number }>`
    WITH ${sql.join(ctes)}
    SELECT r.*, ${dbNow} AS now,
      ${prepared.cte === undefined ? sql`'[]'::json` : sql`(SELECT coalesce(json_agg(c), '[]'::json) FROM created_tasks AS c)`} AS tasks,
      ${hints.length === 0 ? sql`0` : sql`(SELECT count(*) FROM hints)`}::int AS hints
    FROM r`.execute(db);
  const row = written.rows[0];
  // Only an open run with this workflow id (the run id) could make the insert yield.
  if (row === undefined) throw new RunAlreadyExistsError(runId, runId);
  const inserted = typeof row.tasks === "string" ? (JSON.parse(row.tasks) as InsertedTask[]) : row.tasks;
  const now = toMs(row.now);
  const claimedTasks = await prepared.finish(db, inserted, { hintsSent: true, now });
  return {
    run: toRunRecord(row),
    created: true,
    firstStep: {
      lastSeq,
      now,
      runVersion: row.run_version,
      ...(claimedTasks.length === 0 ? {} : { claimedTasks }),
    },
  };
}
