import { sql, type SqlTemplate } from "./sql-template.ts";
import { StaleAttemptError } from "../../errors/index.ts";
import { assertNever, type EffectIdentity, type ResolvedActivityOptions } from "../../model/index.ts";
import { NotifyTopic } from "../notifier.ts";
import type { FinishedTask, TaskAttemptRef, TaskOutcome } from "../journal.ts";
import { deliverToInbox } from "./deliver-to-inbox.ts";
import { inTransaction, dbNow, dbNowPlus, json, notify, type SqlExecutor } from "./sql-fragments.ts";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface CurrentAttempt {
  task_id: string;
  run_id: string;
  identity: EffectIdentity;
  activity_name: string;
  options: ResolvedActivityOptions;
  attempt: number;
}

/**
 * Locks the task row if `claim` is its current, live attempt (token matches, deadline not
 * passed by the database clock); otherwise throws StaleAttemptError having written nothing.
 *
 * Locking: FOR UPDATE on the one task row, so a concurrent claimTasks (which skips locked
 * rows) cannot re-claim the task while its result is being recorded, and a concurrent
 * finish of the same attempt waits and then finds the attempt gone.
 */
export async function lockCurrentAttempt(tx: SqlExecutor, claim: TaskAttemptRef): Promise<CurrentAttempt> {
  if (!uuidPattern.test(claim.taskId) || !uuidPattern.test(claim.attemptToken)) {
    throw new StaleAttemptError(claim.taskId, claim.attempt);
  }
  const found = await sql<CurrentAttempt>`
    SELECT task_id::text AS task_id, run_id, identity, activity_name, options, attempt
    FROM continuum.tasks
    WHERE task_id = ${claim.taskId}::uuid AND status = 'running' AND attempt = ${claim.attempt}
      AND attempt_token = ${claim.attemptToken}::uuid AND deadline > ${dbNow}
    FOR UPDATE`.execute(tx);
  const task = found.rows[0];
  if (task === undefined) throw new StaleAttemptError(claim.taskId, claim.attempt);
  return task;
}

/**
 * finishTask: records the outcome of the current attempt. For `completed` and `failed` the
 * task's completion, the run's inbox item (which makes the run ready) and, with an idempotency
 * key, the stored result commit together; `retry` makes the task due again after `delayMs`
 * by the database clock.
 *
 * Locking: the task row (lockCurrentAttempt), then the run row (deliverToInbox), always in
 * that order; commitStep never waits on a task row, so the two cannot deadlock.
 */
export async function finishTask(
  db: SqlExecutor,
  claim: TaskAttemptRef,
  outcome: TaskOutcome,
): Promise<void> {
  await inTransaction(db, async (tx) => {
    const task = await lockCurrentAttempt(tx, claim);
    const attempts = Number(task.attempt);
    switch (outcome.kind) {
      case "completed": {
        await closeTask(tx, task.task_id, "completed", sql`result = ${json(outcome.result)}`);
        const key = task.options.idempotencyKey;
        if (key !== undefined) {
          await sql`
            INSERT INTO continuum.idempotency (activity_name, key, result, run_id, task_id, created_at)
            VALUES (${task.activity_name}, ${key}, ${json(outcome.result)}, ${task.run_id}, ${task.task_id}::uuid, ${dbNow})
            ON CONFLICT (activity_name, key) DO UPDATE
              SET result = excluded.result, run_id = excluded.run_id, task_id = excluded.task_id, created_at = excluded.created_at`.execute(
            tx,
          );
        }
        await deliverToInbox(tx, [
          {
            runId: task.run_id,
            event: { kind: "activity_completed", identity: task.identity, result: outcome.result, attempts },
          },
        ]);
        return;
      }
      case "failed":
        await closeTask(tx, task.task_id, "failed", sql`last_error = ${json(outcome.error)}`);
        await deliverToInbox(tx, [
          {
            runId: task.run_id,
            event: { kind: "activity_failed", identity: task.identity, error: outcome.error, attempts },
          },
        ]);
        return;
      case "retry":
        await sql`
          UPDATE continuum.tasks SET
            status = 'pending', attempt_token = NULL, deadline = NULL, owner = NULL,
            last_error = ${json(outcome.error)},
            available_at = ${dbNowPlus("retry delayMs", outcome.delayMs)},
            updated_at = ${dbNow}
          WHERE task_id = ${task.task_id}::uuid`.execute(tx);
        if (outcome.delayMs <= 0) await notify(tx, NotifyTopic.taskReady, [task.task_id]);
        return;
      default:
        assertNever(outcome);
    }
  });
}

async function closeTask(
  tx: SqlExecutor,
  taskId: string,
  status: "completed" | "failed",
  set: ReturnType<typeof sql>,
): Promise<void> {
  await sql`
    UPDATE continuum.tasks SET status = ${status}, ${set}, attempt_token = NULL, deadline = NULL,
      finished_at = ${dbNow}, updated_at = ${dbNow}
    WHERE task_id = ${taskId}::uuid`.execute(tx);
}

/**
 * The `finishTasks` of a step commit (sticky fast path), as CTEs of commitStep's one write
 * statement, after its fencing CAS: closes each of the run's current attempts exactly as
 * finishTask does for `completed` / `failed` (task done, result or error kept, an idempotent
 * result stored), minus the inbox item: the step delivered the result to the execution itself.
 * The CTE `finished_tasks` has one row per attempt closed; commitStep compares that count with
 * the list and throws StaleAttemptError on a mismatch (an attempt not current by token, attempt
 * and deadline on the database clock, not the run's, or listed twice), which rolls the whole
 * transaction back: nothing is written. Throws at once for malformed ids.
 *
 * Locking: commitStep already holds the run row; the task rows are taken FOR UPDATE SKIP
 * LOCKED, never waited for. finishTask and claimTasks' timeout sweep lock a task row before its
 * run row, so waiting here (run row first) could deadlock with them; a task row locked by
 * someone else (a heartbeat in flight, a sweep of an expired attempt) counts as stale, and the
 * caller falls back to finishTask, which waits in the usual order.
 */
export function finishedTasksCte(
  runId: string,
  finished: readonly FinishedTask[],
): SqlTemplate<unknown> | undefined {
  const parts = finishedTasksParts(runId, finished);
  return parts === undefined ? undefined : sql`${parts.lock}, ${parts.close}`;
}

/**
 * {@link finishedTasksCte} in its two halves, for a statement that decides between them:
 * `lock` (`finish_list`, `finish_locked`: the current attempts, locked) and `close`
 * (`finished_tasks`, `finish_kept`), which writes only when `gate` (a boolean SQL condition,
 * e.g. that the run row's update happened) holds.
 */
export function finishedTasksParts(
  runId: string,
  finished: readonly FinishedTask[],
  gate: SqlTemplate<unknown> = sql`TRUE`,
): { lock: SqlTemplate<unknown>; close: SqlTemplate<unknown> } | undefined {
  if (finished.length === 0) return undefined;
  for (const { claim } of finished) {
    if (!uuidPattern.test(claim.taskId) || !uuidPattern.test(claim.attemptToken))
      throw new StaleAttemptError(claim.taskId, claim.attempt);
  }
  const values = finished.map(({ claim, outcome }) => {
    const result = outcome.kind === "completed" ? json(outcome.result) : sql`NULL::json`;
    const error = outcome.kind === "failed" ? json(outcome.error) : sql`NULL::json`;
    return sql`(${claim.taskId}::uuid, ${claim.attempt}::int, ${claim.attemptToken}::uuid, ${outcome.kind}::text, ${result}, ${error})`;
  });
  const lock = sql`
    finish_list (task_id, attempt, token, status, result, error) AS (VALUES ${sql.join(values)}),
    finish_locked AS (
      SELECT t.task_id FROM continuum.tasks AS t JOIN finish_list AS f ON f.task_id = t.task_id
      WHERE t.run_id = ${runId} AND t.status = 'running' AND t.attempt = f.attempt
        AND t.attempt_token = f.token AND t.deadline > ${dbNow}
      FOR UPDATE OF t SKIP LOCKED
    )`;
  const close = sql`
    finished_tasks AS (
      UPDATE continuum.tasks AS t SET
        status = f.status, result = f.result, last_error = COALESCE(f.error, t.last_error),
        attempt_token = NULL, deadline = NULL, finished_at = ${dbNow}, updated_at = ${dbNow}
      FROM finish_list AS f WHERE t.task_id = f.task_id AND t.task_id IN (SELECT task_id FROM finish_locked) AND ${gate}
      RETURNING t.task_id, t.activity_name, t.options, f.status, f.result
    ),
    finish_kept AS (
      INSERT INTO continuum.idempotency (activity_name, key, result, run_id, task_id, created_at)
      SELECT DISTINCT ON (activity_name, options->>'idempotencyKey')
             activity_name, options->>'idempotencyKey', result, ${runId}, task_id, ${dbNow}
      FROM finished_tasks WHERE status = 'completed' AND options->>'idempotencyKey' IS NOT NULL
      ON CONFLICT (activity_name, key) DO UPDATE
        SET result = excluded.result, run_id = excluded.run_id, task_id = excluded.task_id, created_at = excluded.created_at
    )`;
  return { lock, close };
}
